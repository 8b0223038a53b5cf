import { z } from 'zod';
import { IsoDate, ListQuery } from './common.js';
import { Role } from './roles.js';

export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  prefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateTokenRequest = z.object({
  name: z.string().trim().min(1).max(100),
  /** Defaults to the creator's role; can't exceed it. */
  role: Role.optional(),
  expiresAt: IsoDate.optional(),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

/** The token itself is in this response only; Hearth keeps a hash. */
export const CreateTokenResponse = z.object({ id: z.string(), token: z.string() });

export const TokenListQuery = ListQuery.extend({
  sort: z.enum(['name', 'createdAt', 'expiresAt', 'lastUsedAt']).default('createdAt'),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
