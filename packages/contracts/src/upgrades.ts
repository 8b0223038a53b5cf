import { z } from 'zod';
import { Uuid } from './common.js';
import { Reason } from './instance-users.js';

/** One version of a server: the host's package, a tree in Hearth's version store, or one it can install. */
export const ServerVersion = z.object({
  /** 'system' for the host's own package; a tree's directory name; the suite for one not installed yet; an image's tag. */
  id: z.string(),
  version: z.string().nullable(),
  packageVersion: z.string().nullable(),
  /** 'image': a container image (container runtime). */
  source: z.enum(['system', 'tree', 'image']),
  suite: z.string().nullable(),
  state: z.enum(['installed', 'installable', 'unavailable']),
  /** The one the instance runs. */
  current: z.boolean(),
  problems: z.array(z.string()),
});
export type ServerVersion = z.infer<typeof ServerVersion>;

export const InstanceVersions = z.object({ current: z.object({ id: z.string(), version: z.string().nullable() }), versions: z.array(ServerVersion) });
export type InstanceVersions = z.infer<typeof InstanceVersions>;

/**
 * Moves the instance to another version as a job: preflight (installs it if needed, checks the
 * config), an encrypted backup to the target (no upgrade without it), stop, a local snapshot,
 * switch, start, health gate, post-checks; any failure after the stop puts everything back.
 */
export const UpgradeRequest = z
  .object({
    versionId: z.string().trim().min(1).max(200),
    targetId: Uuid,
    recipientIds: z.array(Uuid).min(1, 'the pre-upgrade backup is encrypted to at least one recipient').max(20),
    reason: Reason.optional(),
  })
  .strict();
export type UpgradeRequest = z.output<typeof UpgradeRequest>;

export const UpgradeAccepted = z.object({ id: z.string(), jobId: z.string(), backupId: z.string() });
