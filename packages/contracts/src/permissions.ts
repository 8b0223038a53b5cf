import { type Role, roleAtLeast } from './roles.js';

/**
 * Every route declares one of these. The minimum role is kept here, in one place,
 * so the API enforces and the web UI hides with the same table.
 */
export const PERMISSIONS = {
  /** Own account: profile, password, second factor, own API tokens. */
  'account.self': 'viewer',
  'console.read': 'viewer',
  'jobs.read': 'viewer',
  'jobs.manage': 'admin',
  'audit.read': 'admin',
  'operators.read': 'admin',
  'operators.manage': 'admin',
  'instances.read': 'viewer',
  /** Create, start, stop, restart and destroy instances. */
  'instances.manage': 'admin',
  /** Server logs can carry user names and addresses, so they need more than viewing status. */
  'instances.logs': 'moderator',
  /** Accounts on the homeservers: list, create, reset passwords. */
  'instance-users.read': 'moderator',
  'instance-users.manage': 'moderator',
  /** Rooms, reports and announcements on the homeservers. */
  'moderation.read': 'moderator',
  'moderation.manage': 'moderator',
  /** Admin: webhook URLs can embed a service's token. */
  'alerts.read': 'admin',
  'alerts.manage': 'admin',
  /** Backups, their targets (hosts, user names) and recipients. */
  'backups.read': 'admin',
  /** Back up, schedule, restore, delete backups; manage targets and recipients. */
  'backups.manage': 'admin',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
