import type { ServerKnob } from '@hearth/contracts';

interface KnobText {
  readonly label: string;
  /** What keeping it reveals, and to whom: one sentence for the privacy notice. */
  readonly reveals: string;
}

export const SERVER_KNOB_TEXT: Record<ServerKnob, KnobText> = {
  messageDays: { label: 'Message history on the server', reveals: "Who wrote what to whom, and when; anyone who gets the server's data reads it (end-to-end encrypted Matrix rooms excepted for the content, not the metadata)." },
  mediaDays: { label: 'Uploaded files', reveals: 'Photos, voice notes and documents people shared, readable by whoever holds the server or its backups unless they were end-to-end encrypted.' },
  remoteMediaDays: { label: "Copies of other servers' media", reveals: 'Which media people here looked at from other servers, kept on this server.' },
  ipDays: { label: 'Client IP addresses and user agents', reveals: "Where people connect from (roughly where they are) and which devices and apps they use, to the server's operator and anyone with its data." },
  redactedDays: { label: 'Content of deleted messages', reveals: 'What people deleted stays readable on the server for this long.' },
  offlineDays: { label: 'Messages waiting for offline people', reveals: "Messages stored until someone comes online: their content and sender, on the server." },
  pushContent: { label: 'Message content in push notifications', reveals: "When on, message text passes through the push services of Google or Apple and the app's push gateway." },
  presence: { label: 'Presence (online status)', reveals: "When people are online or active, to everyone who shares a room or contact list with them." },
  urlPreviews: { label: 'Link previews fetched by the server', reveals: 'Which links people post is seen by the linked sites (as visits from the server), and the previews are stored on the server.' },
  trustedKeyServers: { label: 'Trusted key servers', reveals: 'Which remote servers this server looks up, told to the key server (matrix.org by default in Synapse).' },
  logLevel: { label: 'Log level', reveals: 'More detailed logs keep more about what people do (user names, rooms, connections).' },
  logIps: { label: 'IP addresses in logs', reveals: "Where people connect from, kept in log files that are often copied and rarely deleted." },
};

export const CONSOLE_KNOB_TEXT = {
  auditDays: { label: "Hearth's audit log", reveals: 'What the operators did and when (including which accounts they acted on), to Hearth\'s admins.' },
  healthSampleDays: { label: "Hearth's health samples", reveals: 'When servers were up, down or slow: nothing about people.' },
  jobDays: { label: "Hearth's job history", reveals: 'Which operations ran (backups, restores, account changes by job) and when, to Hearth\'s operators.' },
  backupsKept: { label: 'Backups kept per schedule', reveals: 'Each backup holds everything above as it was then: deleted data lives on in older backups until they are pruned.' },
} as const;

/** A knob's value in words, the way the report shows wanted and actual values. */
export function describeKnob(knob: string, value: unknown): string {
  if (value === undefined) return 'unknown';
  if (knob.endsWith('Days')) return value === null ? 'kept for good' : value === 0 ? 'not kept' : `${value} day${value === 1 ? '' : 's'}`;
  if (knob === 'backupsKept') return `at most ${value}`;
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  return String(value);
}
