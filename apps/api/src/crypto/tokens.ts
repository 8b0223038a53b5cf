import { createHash, randomBytes } from 'node:crypto';

/** Login sessions and API tokens differ by prefix, so a token says which table to look in. */
export const SESSION_PREFIX = 'hs_';
export const API_TOKEN_PREFIX = 'ht_';

export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Tokens carry 256 random bits, so a plain SHA-256 is a safe verifier (no slow hash needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
