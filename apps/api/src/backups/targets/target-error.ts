import type { ErrorCode } from '../../common/error-codes';

export type TargetErrorCode = Extract<
  ErrorCode,
  | 'backup_target/unreachable'
  | 'backup_target/auth_failed'
  | 'backup_target/host_key_mismatch'
  | 'backup_target/no_space'
  | 'backup_target/permission_denied'
  | 'backup_target/failed'
>;

/** Why a backup target failed; the message is shown to operators, so it never carries a password or key. */
export class TargetError extends Error {
  constructor(
    readonly code: TargetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}
