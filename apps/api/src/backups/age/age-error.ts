export type AgeErrorCode =
  | 'age/invalid-recipient'
  | 'age/invalid-identity'
  | 'age/no-identity-matched'
  | 'age/corrupt'
  | 'age/unsupported';

/**
 * Why an age key or file was refused. Callers match on `code`; the message is for operators and
 * never carries key material, so it is safe to log and to show.
 */
export class AgeError extends Error {
  constructor(
    readonly code: AgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgeError';
  }
}

export function corrupt(reason: string): never {
  throw new AgeError('age/corrupt', `This age file is damaged: ${reason}`);
}
