import { ERROR_CODES, type ErrorCode } from './error-codes';

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type services throw; the exception filter turns it into problem+json. */
export class HearthError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extras: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.status = ERROR_CODES[code].status;
  }
}
