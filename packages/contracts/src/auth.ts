import { z } from 'zod';
import { Email, NewPassword } from './common.js';
import { Role } from './roles.js';

export const LoginRequest = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
  totp: z.string().trim().min(6).max(32).optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const OperatorIdentity = z.object({ id: z.string(), email: z.string(), role: Role });
export type OperatorIdentity = z.infer<typeof OperatorIdentity>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  operator: OperatorIdentity,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const Me = OperatorIdentity.extend({
  displayName: z.string().nullable(),
  totpEnabled: z.boolean(),
  /** How the request was authenticated: a login session or a personal API token. */
  via: z.enum(['session', 'token']),
});
export type Me = z.infer<typeof Me>;

export const ChangePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: NewPassword,
});

export const TotpEnrolment = z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() });
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;

export const TotpConfirmRequest = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'must be 6 digits') });
export const TotpConfirmResponse = z.object({ recoveryCodes: z.array(z.string()) });
export type TotpConfirmResponse = z.infer<typeof TotpConfirmResponse>;

export const TotpDisableRequest = z.object({ password: z.string().min(1).max(1024) });
