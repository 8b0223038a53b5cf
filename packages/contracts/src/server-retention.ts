import { z } from 'zod';

/** Days something is kept: null keeps it for good, 0 keeps none of it. */
export const RetentionDays = z.number().int().min(0).max(36_500).nullable();

/**
 * The knobs of one homeserver, as a policy sets them. Each driver applies those it can (in the
 * server's config, or with Hearth's purge job where the server does not expire data itself) and
 * reports the others as unsupported.
 */
export const ServerRetention = z
  .object({
    /** Message history on the server: XMPP archives (MAM), Matrix room history. */
    messageDays: RetentionDays,
    /** Files people upload (XMPP HTTP file share, Matrix local media). */
    mediaDays: RetentionDays,
    /** Copies of other servers' media (Matrix). */
    remoteMediaDays: RetentionDays,
    /** Client IP addresses and user agents. */
    ipDays: RetentionDays,
    /** The content of redacted (deleted) messages (Matrix). */
    redactedDays: RetentionDays,
    /** Messages waiting for people who are offline (XMPP). */
    offlineDays: RetentionDays,
    /** Whether push notifications carry message content (Matrix) rather than only "new message". */
    pushContent: z.boolean(),
    /** Online/offline status shared with contacts (Matrix presence). */
    presence: z.boolean(),
    /** The server fetches links people post to show previews (Matrix). */
    urlPreviews: z.boolean(),
    /** Servers trusted to vouch for other servers' keys (Matrix); [] trusts none. */
    trustedKeyServers: z.array(z.string().trim().min(1).max(253)).max(20),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']),
    /** Whether the server's logs may contain client IP addresses. */
    logIps: z.boolean(),
  })
  .strict();
export type ServerRetention = z.infer<typeof ServerRetention>;
export type ServerKnob = keyof ServerRetention;
export const SERVER_KNOBS = Object.keys(ServerRetention.shape) as ServerKnob[];
