import type { InstanceSettings } from '../drivers/driver';

/**
 * Every job Hearth runs, with its payload. Payloads never hold secrets: those stay
 * encrypted in PostgreSQL or, for restore identities, in the worker's memory only.
 */
export interface JobPayloads {
  /** Deletes expired and revoked login sessions and long-expired API tokens. */
  'console.prune': Record<string, never>;
  /** Allocates ports, writes config, starts the server, waits until healthy, creates accounts. */
  'instance.provision': { instanceId: string };
  'instance.start': { instanceId: string };
  'instance.stop': { instanceId: string };
  'instance.restart': { instanceId: string };
  /** Stops the server and removes its files (after the operator confirmed). */
  'instance.destroy': { instanceId: string };
  /**
   * A change of an instance's settings (its federation policy, later its retention): writes the
   * config, restarts the server, waits until it is healthy and checks what the server reads back;
   * on any failure goes back to `previous` and restarts on it. Settings hold no secrets.
   */
  'instance.reconfigure': { instanceId: string; settings: InstanceSettings; previous: InstanceSettings };
  /** Logs Hearth's admin account in again and the old token out (Synapse). */
  'instance.rotate-admin-token': { instanceId: string };
  /** One health probe of one instance: a sample, status transitions, crash recovery. */
  'instance.health-check': { instanceId: string };
  /** Deletes a Matrix room (everyone removed, history purged), optionally blocking it from coming back. */
  'room.delete': { instanceId: string; roomId: string; block: boolean };
  /** Deletes a room's history before a moment (ISO time). */
  'room.purge-history': { instanceId: string; roomId: string; before: string };
  /** A message from the server to each account (all, or the listed ones), paced to spare the server. */
  'instance.announce': { instanceId: string; text: string; usernames?: string[] };
  /** Deletes health samples older than the retention period. */
  'monitoring.prune-samples': Record<string, never>;
  /**
   * Sends one alert to one channel (BullMQ retries with backoff), or a test alert an operator
   * asked for (one attempt, no delivery record: there is no event behind it).
   */
  'alert.deliver': { deliveryId: string } | { channelId: string; test: true };
  /** A schedule is due (from its BullMQ job scheduler): records a backup and queues backup.run for it. */
  'backup.scheduled': { scheduleId: string };
  /** Snapshot, archive, encrypt, upload and verify one backup (its Backup row says what and where), then prune by the keep rules. */
  'backup.run': { backupId: string };
  /** Reads the stored object back and compares its size and sha256 with the record; needs no key. */
  'backup.verify': { backupId: string };
  /**
   * Puts a backup's data into an instance: `same` sets its current state aside first and brings
   * it back if the restored server fails its checks; `new` waits for the new instance's
   * provisioning first. The operator's identity waits in RestoreIdentities, never here.
   */
  'backup.restore': { backupId: string; instanceId: string; mode: 'same' | 'new'; identityRef: string };
  /** Restores a backup into a scratch server, starts it, counts its accounts, removes it. */
  'backup.drill': { backupId: string; identityRef: string };
  /** Every few minutes: alerts for scheduled backups that did not happen, and settles backups whose job died. */
  'backup.watch': Record<string, never>;
  /** Deletes what one server keeps past its retention and does not expire itself (HEARTH_PURGE_INTERVAL_SEC). */
  'instance.purge': { instanceId: string };
  /** Checks every instance's privacy report; a knob that drifts raises an alert. Keeps the purge schedulers. */
  'retention.check': Record<string, never>;
  /** Deletes Hearth's own records past the console policy: audit events, finished jobs. */
  'console.retention': Record<string, never>;
  /**
   * Moves an instance from one release to another (null: the host's packages): preflight, the
   * encrypted backup `backupId`, stop, local snapshot, switch, start, health gate, post-checks;
   * a failure after the stop puts the previous release and data back.
   */
  'instance.upgrade': { instanceId: string; versionId: string; backupId: string; rolloutId?: string };
  /** Moves an upgrade rollout on: settles the upgrade that ran, starts the next one (inside the window), or finishes. */
  'upgrade.rollout': { rolloutId: string };
}

export type JobName = keyof JobPayloads;

/** The jobs that start, stop, reconfigure or remove an instance's server: at most one of them at a time, and health checks leave it to them. */
export const LIFECYCLE_JOBS = ['instance.provision', 'instance.start', 'instance.stop', 'instance.restart', 'instance.destroy', 'instance.reconfigure', 'backup.restore', 'instance.upgrade'] as const satisfies readonly JobName[];

// A record (not an array) so the compiler insists every job name is listed here.
const NAMES: Record<JobName, true> = {
  'console.prune': true,
  'instance.provision': true,
  'instance.start': true,
  'instance.stop': true,
  'instance.restart': true,
  'instance.destroy': true,
  'instance.reconfigure': true,
  'instance.health-check': true,
  'instance.rotate-admin-token': true,
  'monitoring.prune-samples': true,
  'room.delete': true,
  'room.purge-history': true,
  'instance.announce': true,
  'alert.deliver': true,
  'backup.scheduled': true,
  'backup.run': true,
  'backup.verify': true,
  'backup.restore': true,
  'backup.drill': true,
  'backup.watch': true,
  'instance.purge': true,
  'retention.check': true,
  'console.retention': true,
  'instance.upgrade': true,
  'upgrade.rollout': true,
};
export const JOB_NAMES = Object.keys(NAMES) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(NAMES, name);
}
