export type RootfsErrorCode =
  | 'rootfs/not_root'
  | 'rootfs/missing_tool'
  | 'rootfs/invalid_spec'
  | 'rootfs/lock_timeout'
  | 'rootfs/build_failed'
  | 'rootfs/mounted';

/**
 * What every builder of the version store throws (root filesystems and package trees alike). It
 * lives here rather than in DebianRootfs, which re-exports it, so the store's lock can throw it
 * without an import cycle.
 */
export class RootfsError extends Error {
  constructor(
    readonly code: RootfsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RootfsError';
  }
}
