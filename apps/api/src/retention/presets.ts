import type { PolicyKnobs, PolicyPreset } from '@hearth/contracts';

export interface Preset {
  readonly name: string;
  /** What choosing it means, in plain words, for the operator and the community's privacy notice. */
  readonly explanation: string;
  readonly knobs: PolicyKnobs;
}

const CLOSED: PolicyKnobs['federation'] = { mode: 'closed', domains: [] };

/**
 * The three starting points. Every preset keeps federation closed: opening a server to the
 * world is a decision of its own, not a side effect of choosing how long to keep things.
 */
export const PRESETS: Record<PolicyPreset, Preset> = {
  minimal: {
    name: 'Minimal metadata',
    explanation:
      'Keeps as little as a working chat server can: a week of message history on the server (your apps keep their own copies), ' +
      'uploads for a week, client IP addresses for a day, no presence, no link previews, nothing in push notifications but "new message", ' +
      'no IP addresses in logs, and Hearth forgets its own records quickly. Good for families and groups who just want to talk.',
    knobs: {
      messageDays: 7, mediaDays: 7, remoteMediaDays: 1, ipDays: 1, redactedDays: 1, offlineDays: 7,
      pushContent: false, presence: false, urlPreviews: false, trustedKeyServers: [], federation: CLOSED, logLevel: 'warn', logIps: false,
      auditDays: 90, healthSampleDays: 7, jobDays: 7, backupsKept: 7,
    },
  },
  balanced: {
    name: 'Balanced',
    explanation:
      'A year of message history and three months of uploads on the server, so new devices can catch up; client IP addresses for a week ' +
      '(to spot a stolen account), presence on, no link previews, nothing in push notifications but "new message", no IP addresses in logs.',
    knobs: {
      messageDays: 365, mediaDays: 90, remoteMediaDays: 30, ipDays: 7, redactedDays: 7, offlineDays: 30,
      pushContent: false, presence: true, urlPreviews: false, trustedKeyServers: [], federation: CLOSED, logLevel: 'info', logIps: false,
      auditDays: 365, healthSampleDays: 30, jobDays: 90, backupsKept: 14,
    },
  },
  archive: {
    name: 'Archive',
    explanation:
      'Keeps messages and uploads for good, for a club or association that wants its history; client IP addresses for a month, presence ' +
      'and link previews on. Push notifications still carry no content, and logs no IP addresses: those reach third parties.',
    knobs: {
      messageDays: null, mediaDays: null, remoteMediaDays: 90, ipDays: 30, redactedDays: 30, offlineDays: null,
      pushContent: false, presence: true, urlPreviews: true, trustedKeyServers: [], federation: CLOSED, logLevel: 'info', logIps: false,
      auditDays: null, healthSampleDays: 90, jobDays: 365, backupsKept: 60,
    },
  },
};
