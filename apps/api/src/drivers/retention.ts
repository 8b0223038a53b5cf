import type { InstanceSpec, ServerKnob, ServerRetention } from './driver';

/**
 * The retention knobs in force on an instance: its policy's, or, for an instance no policy was
 * applied to yet, what Hearth has always rendered (a week of messages and client IPs, nothing
 * sent in pushes, no URL previews, no trusted key servers, no IPs in logs), with the driver's
 * own differences (driver.retentionDefaults).
 */
export function retentionOf(spec: Pick<InstanceSpec, 'settings'>, defaults: Partial<ServerRetention> = {}): ServerRetention {
  const { settings } = spec;
  return (
    settings.retention ?? {
      messageDays: settings.messageRetentionDays ?? 7,
      mediaDays: settings.fileShare ? (settings.fileShare.retentionDays ?? 7) : null,
      remoteMediaDays: null,
      ipDays: 7,
      redactedDays: 7,
      offlineDays: null,
      pushContent: false,
      presence: true,
      urlPreviews: false,
      trustedKeyServers: [],
      logLevel: settings.logLevel ?? 'info',
      logIps: false,
      ...defaults,
    }
  );
}

/** Two values of a knob are the same setting (lists compare as sets). */
export function sameKnob(a: ServerRetention[ServerKnob] | undefined, b: ServerRetention[ServerKnob] | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  return a === b;
}
