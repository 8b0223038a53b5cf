import { HttpError, type TranslateFunction } from 'react-admin';
import type { ApiErrorBody } from '../api/http';

/** What to tell someone whose sign-in attempt failed. */
export function loginFailureMessage(error: unknown, translate: TranslateFunction): string {
  if (!(error instanceof HttpError)) return translate('hearth.login.unreachable');
  const { code, retryAfterSeconds } = (error.body ?? {}) as ApiErrorBody;
  switch (code) {
    case 'auth/invalid_credentials':
      return translate('hearth.login.invalid_credentials');
    case 'auth/totp_invalid':
      return translate('hearth.login.totp_invalid');
    case 'auth/throttled':
      return retryAfterSeconds === undefined
        ? translate('hearth.login.throttled_later')
        : translate('hearth.login.throttled', { seconds: retryAfterSeconds });
    default:
      return error.status < 500 ? translate(error.message, { _: error.message }) : translate('hearth.login.unreachable');
  }
}

export function isTotpRequired(error: unknown): boolean {
  return error instanceof HttpError && (error.body as ApiErrorBody | undefined)?.code === 'auth/totp_required';
}
