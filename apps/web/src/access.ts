import { usePermissions } from 'react-admin';
import { can, type Permission, type Role } from '@hearth/contracts';
import type { ResourceName } from './dataProvider';

/** The permission each resource needs to be read, and to be changed (null: nobody changes it here). */
const RESOURCE_PERMISSIONS = {
  operators: { read: 'operators.read', write: 'operators.manage' },
  tokens: { read: 'account.self', write: 'account.self' },
  'audit-events': { read: 'audit.read', write: null },
  jobs: { read: 'jobs.read', write: 'jobs.manage' },
  instances: { read: 'instances.read', write: 'instances.manage' },
  'instance-users': { read: 'instance-users.read', write: 'instance-users.manage' },
  'instance-invites': { read: 'instance-users.read', write: 'instance-users.manage' },
  reports: { read: 'moderation.read', write: 'moderation.manage' },
  'alert-channels': { read: 'alerts.read', write: 'alerts.manage' },
  backups: { read: 'backups.read', write: 'backups.manage' },
  'backup-targets': { read: 'backups.read', write: 'backups.manage' },
  'backup-recipients': { read: 'backups.read', write: 'backups.manage' },
  'retention-policies': { read: 'instances.read', write: 'instances.manage' },
  'upgrade-rollouts': { read: 'instances.read', write: 'instances.manage' },
} as const satisfies Record<ResourceName, { read: Permission; write: Permission | null }>;

const READ_ACTIONS = new Set(['list', 'show', 'export']);

/** Backs react-admin's canAccess, which hides menu entries, buttons and pages the role can't use. */
export function canUse(role: Role, resource: string, action: string): boolean {
  if (!(resource in RESOURCE_PERMISSIONS)) return false;
  const needs = RESOURCE_PERMISSIONS[resource as ResourceName];
  const permission = READ_ACTIONS.has(action) ? needs.read : needs.write;
  return permission !== null && can(role, permission);
}

/** Whether the signed-in operator holds `permission`; false while the role is still loading. */
export function useCan(permission: Permission): boolean {
  const { permissions: role } = usePermissions<Role>();
  return role !== undefined && can(role, permission);
}
