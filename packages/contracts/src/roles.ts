import { z } from 'zod';

export const ROLES = ['owner', 'admin', 'moderator', 'viewer'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

const RANK: Record<Role, number> = { owner: 4, admin: 3, moderator: 2, viewer: 1 };

/** True when `role` is at least as powerful as `required`. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
