import { randomBytes } from 'node:crypto';
import { type Driver, DriverError, type InstanceSecrets } from './driver';

/**
 * Fresh secrets for a new instance: 32 random bytes each, base64url. ASCII on purpose:
 * ejabberd 23.01 rejects HTTP basic auth with non-ASCII passwords, and an Erlang cookie
 * must be a plain atom.
 */
export function generateSecrets(driver: Pick<Driver, 'secretNames'>): InstanceSecrets {
  return Object.fromEntries(driver.secretNames.map((name) => [name, randomBytes(32).toString('base64url')]));
}

export function requireSecret(secrets: InstanceSecrets, name: string): string {
  const value = secrets[name];
  if (!value) throw new DriverError('spec/invalid', `The instance's secret ${name} is missing`);
  return value;
}
