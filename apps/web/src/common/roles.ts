import { ROLES, roleAtLeast, type Role } from '@hearth/contracts';

/** Every role, most powerful first, labelled from the catalogue. */
export const roleChoices = ROLES.map((id) => ({ id, name: `hearth.roles.${id}` }));

/** Roles above `granter` stay visible but disabled: the API refuses to grant more than one holds. */
export function grantableRoleChoices(granter: Role | undefined) {
  return roleChoices.map((choice) => ({
    ...choice,
    disabled: granter === undefined || !roleAtLeast(granter, choice.id),
  }));
}
