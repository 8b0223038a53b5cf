import { DriverError, type RegistrationToken } from '../driver';
import type { SynapseAdmin } from './synapse-admin';

/** Synapse's registration tokens: people sign up from their Matrix app with one (registration_requires_token). */

interface SynapseToken {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

export async function listRegistrationTokens(admin: SynapseAdmin): Promise<RegistrationToken[]> {
  const response = await admin.call<{ registration_tokens: SynapseToken[] }>('GET', '/_synapse/admin/v1/registration_tokens');
  return response.body.registration_tokens.map(toToken).sort((a, b) => a.token.localeCompare(b.token));
}

export async function createRegistrationToken(admin: SynapseAdmin, options: { usesAllowed: number; expiresAt: Date }): Promise<RegistrationToken> {
  const response = await admin.call<SynapseToken>('POST', '/_synapse/admin/v1/registration_tokens/new', { uses_allowed: options.usesAllowed, expiry_time: options.expiresAt.getTime(), length: 16 });
  return toToken(response.body);
}

export async function deleteRegistrationToken(admin: SynapseAdmin, token: string): Promise<void> {
  const response = await admin.call('DELETE', `/_synapse/admin/v1/registration_tokens/${encodeURIComponent(token)}`, undefined, [200, 404]);
  if (response.status === 404) throw new DriverError('token/not_found', 'No such registration token on this server');
}

function toToken(source: SynapseToken): RegistrationToken {
  return {
    token: source.token,
    usesAllowed: source.uses_allowed,
    pending: source.pending,
    completed: source.completed,
    expiresAt: source.expiry_time === null ? null : new Date(source.expiry_time),
  };
}
