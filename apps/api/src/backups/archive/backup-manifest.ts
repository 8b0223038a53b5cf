import type { InstanceKind, SnapshotFacts } from '../../drivers/driver';
import type { WrittenFile } from './tar-writer';

/** The last file of every archive: what it holds, file by file, so a restore can prove it got all of it. */
export const MANIFEST_PATH = 'HEARTH-MANIFEST.json';
/** The secrets that belong to the data (driver.backupLayout.secrets), inside the encrypted archive only. */
export const SECRETS_PATH = 'HEARTH-SECRETS.json';
export const MANIFEST_FORMAT = 'hearth-backup/1';
/** The archive's name ending: what it is, in the order to undo it (age, then zstd, then tar). */
export const OBJECT_SUFFIX = '.tar.zst.age';

export interface BackupInstanceInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: InstanceKind;
  readonly domain: string;
  readonly version: string | null;
}

/** Inside the archive (encrypted). */
export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly backupId: string;
  readonly createdAt: string;
  readonly hearthVersion: string;
  readonly instance: BackupInstanceInfo;
  /** Accounts on the server when the snapshot was taken (Hearth's own not counted). */
  readonly accounts: number;
  /** What the driver's snapshot recorded for the restore. */
  readonly facts: SnapshotFacts;
  readonly files: readonly WrittenFile[];
  readonly totalBytes: number;
}

/**
 * Beside the object, in plain text: enough to know what an object is, and to check it without the
 * key (size and sha256 of the encrypted object). No file names, no account numbers.
 */
export interface BackupSidecar {
  readonly format: typeof MANIFEST_FORMAT;
  readonly backupId: string;
  readonly createdAt: string;
  readonly hearthVersion: string;
  readonly instance: BackupInstanceInfo;
  readonly object: { readonly key: string; readonly size: number; readonly sha256: string };
  readonly recipients: readonly string[];
  readonly restore: string;
}

export function sidecarKey(objectKey: string): string {
  return `${objectKey}.json`;
}

export function parseManifest(text: string): BackupManifest {
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files)) throw new Error(`This archive's manifest is not a ${MANIFEST_FORMAT} manifest`);
  return manifest;
}
