import { z } from 'zod';
import { Email, ListQuery, NewPassword } from './common.js';
import { Role } from './roles.js';

export const Operator = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string().nullable(),
  role: Role,
  totpEnabled: z.boolean(),
  disabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Operator = z.infer<typeof Operator>;

export const CreateOperatorRequest = z.object({
  email: Email,
  password: NewPassword,
  role: Role,
  displayName: z.string().trim().min(1).max(100).optional(),
});
export type CreateOperatorRequest = z.infer<typeof CreateOperatorRequest>;

export const UpdateOperatorRequest = z
  .object({
    role: Role.optional(),
    displayName: z.string().trim().min(1).max(100).nullable().optional(),
    disabled: z.boolean().optional(),
    password: NewPassword.optional(),
  })
  .strict();
export type UpdateOperatorRequest = z.infer<typeof UpdateOperatorRequest>;

export const OperatorListQuery = ListQuery.extend({
  role: Role.optional(),
  sort: z.enum(['email', 'role', 'createdAt', 'lastLoginAt']).default('createdAt'),
});

export const DeleteOperatorQuery = z.object({
  confirm: z.string().min(1, 'repeat the operator email to confirm'),
  reason: z.string().max(500).optional(),
});
