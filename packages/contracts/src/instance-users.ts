import { z } from 'zod';
import { IsoDate, ListQuery, Uuid } from './common.js';

/** An account on a homeserver, by its local part (alice, not @alice:family.example or alice@family.example). */
export const InstanceUser = z.object({
  username: z.string(),
  /** Null where admins are not a property of an account (XMPP servers configure them). */
  admin: z.boolean().nullable(),
  /** Locked, deactivated or erased: the account can't log in. */
  deactivated: z.boolean(),
  lastSeenAt: z.string().nullable(),
  displayName: z.string().nullable(),
});
export type InstanceUser = z.infer<typeof InstanceUser>;

const BoolParam = z.enum(['true', 'false']).transform((value) => value === 'true');

export const InstanceUserListQuery = ListQuery.extend({
  sort: z.enum(['username', 'lastSeenAt']).default('username'),
  order: z.enum(['ASC', 'DESC']).default('ASC'),
  admin: BoolParam.optional(),
  deactivated: BoolParam.optional(),
});
export const InstanceUserList = z.object({ data: z.array(InstanceUser), total: z.number() });

/** Path parameters of one account: the protocol's own rules are checked by the server's driver. */
export const InstanceUserParams = z.object({ id: Uuid, username: z.string().min(1).max(255) });
export const InstanceSessionParams = InstanceUserParams.extend({ sessionId: z.string().min(1).max(255) });

// The account's owner types it on a phone: 8 is the floor most servers' clients suggest.
const AccountPassword = z.string().min(8, 'must be at least 8 characters').max(1024);
/** Why a moderator acted: kept in the audit log. */
export const Reason = z.string().trim().max(500);

/**
 * A password, or a one-time link where the person picks their own (the operator never learns it).
 * Exactly one.
 */
export const CreateInstanceUserRequest = z
  .object({
    username: z.string().trim().min(1).max(255),
    password: AccountPassword.optional(),
    setPasswordLink: z.literal(true).optional(),
  })
  .strict()
  .refine((value) => Boolean(value.password) !== Boolean(value.setPasswordLink), { message: 'give either password or setPasswordLink: true', path: ['password'] });
export type CreateInstanceUserRequest = z.infer<typeof CreateInstanceUserRequest>;

export const ResetPasswordRequest = z
  .object({ password: AccountPassword.optional(), setPasswordLink: z.literal(true).optional(), reason: Reason.optional() })
  .strict()
  .refine((value) => Boolean(value.password) !== Boolean(value.setPasswordLink), { message: 'give either password or setPasswordLink: true', path: ['password'] });

/** What creating an account or resetting its password answers: a set-password link is shown once. */
export const AccountLinkIssued = z.object({ username: z.string(), setPasswordUrl: z.string().optional(), expiresAt: z.string().optional() });

export const SetAdminRequest = z.object({ admin: z.boolean(), reason: Reason.optional() }).strict();
export const ReasonRequest = z.object({ reason: Reason.optional() }).strict();
export const ReactivateRequest = z.object({ password: AccountPassword, reason: Reason.optional() }).strict();
export const EraseUserQuery = z.object({ confirm: z.string().min(1, 'repeat the user name to confirm'), reason: Reason.optional() });

export const AccountSession = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  connectedSeconds: z.number().nullable(),
});
export type AccountSession = z.infer<typeof AccountSession>;
export const AccountSessionList = z.object({ data: z.array(AccountSession), total: z.number() });

export const BulkUserAction = z.enum(['deactivate', 'sign-out', 'erase']);
export const BulkUsersRequest = z
  .object({
    action: BulkUserAction,
    usernames: z.array(z.string().min(1).max(255)).min(1).max(500),
    reason: Reason.optional(),
    /** Erasing is destructive: `confirm` must be the number of accounts, as typed by the operator. */
    confirm: z.number().int().optional(),
  })
  .strict();
export const BulkUsersResult = z.object({
  succeeded: z.number(),
  failed: z.number(),
  results: z.array(z.object({ username: z.string(), ok: z.boolean(), code: z.string().optional(), message: z.string().optional() })),
});

/** An invite link: whoever has it may create an account on the server, within its limits. */
export const Invite = z.object({
  id: z.string(),
  instanceId: z.string(),
  /** Shown once, when the invite is created. */
  url: z.string().optional(),
  fixedUsername: z.string().nullable(),
  maxUses: z.number(),
  uses: z.number(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
  note: z.string().nullable(),
});
export type Invite = z.infer<typeof Invite>;
export const InviteList = z.object({ data: z.array(Invite), total: z.number() });
export const CreateInviteRequest = z
  .object({
    expiresInHours: z.number().int().min(1).max(24 * 90).default(72),
    maxUses: z.number().int().min(1).max(100).default(1),
    fixedUsername: z.string().trim().min(1).max(255).optional(),
    note: z.string().trim().max(200).optional(),
  })
  .strict();
export const InviteParams = z.object({ id: Uuid, inviteId: Uuid });

/** What the public page shows about a link before it is used (no operator login). */
export const PublicLink = z.object({
  purpose: z.enum(['invite', 'set-password']),
  serverName: z.string(),
  domain: z.string(),
  kind: z.enum(['prosody', 'ejabberd', 'synapse']),
  fixedUsername: z.string().nullable(),
  expiresAt: IsoDate,
});
export const RedeemLinkRequest = z.object({ username: z.string().trim().min(1).max(255).optional(), password: AccountPassword }).strict();
/** How to connect once the account exists. */
export const Connection = z.object({
  protocol: z.enum(['xmpp', 'matrix']),
  /** The address the person types: alice@family.example or @alice:family.example. */
  address: z.string(),
  username: z.string(),
  /** Matrix homeserver URL, or the XMPP server host and port. */
  server: z.string(),
});
// Any length: a link cut short is answered link/not_found, which the public page explains.
export const PublicToken = z.object({ token: z.string().min(1).max(200) });
/** An optional reason for actions without a body (DELETE), kept in the audit log. */
export const ReasonQuery = z.object({ reason: Reason.optional() });

/** Synapse's own invite mechanism: people sign up in their Matrix app with the token. */
export const RegistrationToken = z.object({
  /** Complete only in the answer to its creation; lists show its first characters. */
  token: z.string(),
  usesAllowed: z.number().nullable(),
  pending: z.number(),
  completed: z.number(),
  expiresAt: z.string().nullable(),
});
export const RegistrationTokenList = z.object({ data: z.array(RegistrationToken), total: z.number() });
export const CreateRegistrationTokenRequest = z
  .object({ usesAllowed: z.number().int().min(1).max(100).default(1), expiresInHours: z.number().int().min(1).max(24 * 90).default(72) })
  .strict();
export const RegistrationTokenParams = z.object({ id: Uuid, token: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/, 'must be a registration token') });
