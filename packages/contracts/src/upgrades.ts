import { z } from 'zod';
import { Uuid, isTimeZone } from './common.js';
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

const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

/**
 * When Hearth may take servers down to upgrade them: local hours in a time zone, on some days
 * (0 = Sunday; default every day). An end before the start runs past midnight (22:00-02:00).
 */
export const MaintenanceWindow = z
  .object({
    start: TimeOfDay,
    end: TimeOfDay,
    timezone: z.string().trim().min(1).max(64).refine(isTimeZone, 'must be a time zone such as Europe/Berlin or UTC').default('UTC'),
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
  })
  .strict()
  .refine((window) => window.start !== window.end, { message: 'start and end must differ', path: ['end'] });
export type MaintenanceWindow = z.output<typeof MaintenanceWindow>;

/**
 * Upgrades every instance of a kind (or the ones listed) to one version, one at a time, each by
 * the usual plan with its own encrypted backup; stops at the first that fails (and was undone).
 * `to` is a version id or a Debian suite (e.g. bookworm-backports), matched against each
 * instance's own versions. With a window, each upgrade starts only inside it.
 */
export const CreateUpgradeRollout = z
  .object({
    kind: z.enum(['prosody', 'ejabberd', 'synapse']),
    to: z.string().trim().min(1).max(200),
    instanceIds: z.array(Uuid).min(1).max(500).optional(),
    targetId: Uuid,
    recipientIds: z.array(Uuid).min(1, 'each pre-upgrade backup is encrypted to at least one recipient').max(20),
    window: MaintenanceWindow.optional(),
    reason: Reason.optional(),
  })
  .strict();
export type CreateUpgradeRollout = z.output<typeof CreateUpgradeRollout>;

export const RolloutInstance = z.object({
  instanceId: z.string(),
  name: z.string(),
  status: z.enum(['pending', 'upgrading', 'upgraded', 'failed', 'skipped']),
  /** The instance's upgrade job, once started. */
  jobId: z.string().nullable(),
  detail: z.string().nullable(),
});
export type RolloutInstance = z.infer<typeof RolloutInstance>;

export const UpgradeRollout = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  window: MaintenanceWindow.nullable(),
  /** Where each upgrade's backup goes (null once that target was deleted), encrypted to these keys. */
  targetId: z.string().nullable(),
  recipientIds: z.array(z.string()),
  /** running: an upgrade runs or is about to; waiting: for the window to open (nextWindowAt). */
  status: z.enum(['running', 'waiting', 'succeeded', 'halted', 'cancelled']),
  statusReason: z.string().nullable(),
  nextWindowAt: z.string().nullable(),
  instances: z.array(RolloutInstance),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type UpgradeRollout = z.infer<typeof UpgradeRollout>;
