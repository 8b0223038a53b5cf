import { HearthError } from '../common/hearth-error';
import type { ErrorCode } from '../common/error-codes';
import { DriverError, type DriverErrorCode } from '../drivers/driver';
import { RuntimeError } from '../runtimes/runtime';

// Drivers speak of their server; the API speaks of instances and their accounts.
const API_CODES: Record<DriverErrorCode, ErrorCode> = {
  'spec/invalid': 'instance/settings_invalid',
  'user/invalid': 'instance_user/invalid',
  'user/reserved': 'instance_user/reserved',
  'user/exists': 'instance_user/exists',
  'user/not_found': 'instance_user/not_found',
  'driver/unavailable': 'homeserver/unavailable',
  'driver/admin_failed': 'homeserver/admin_failed',
  'adopt/unreachable': 'instance/adopt_unreachable',
  'adopt/not_this_kind': 'instance/adopt_not_synapse',
  'adopt/not_admin': 'instance/adopt_not_admin',
  'adopt/credentials_rejected': 'instance/adopt_credentials_rejected',
  'room/not_found': 'room/not_found',
  'report/not_found': 'report/not_found',
  'token/not_found': 'registration_token/not_found',
  'backup/unsupported': 'backup/unsupported',
};

/** A driver's or runtime's error as the API reports it (the message is already safe to show); anything else as it is. */
export function toApiError(error: unknown): unknown {
  if (error instanceof DriverError) return new HearthError(API_CODES[error.code], error.message);
  if (error instanceof RuntimeError && error.code === 'runtime/not_managed') return new HearthError('instance/not_managed', error.message);
  return error;
}

/** Runs a driver call on behalf of an API request, reporting its failures as API errors. */
export async function asApiCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toApiError(error);
  }
}
