import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupLayout } from '../drivers/driver';
import { createEncryptStream } from './age/age-stream';
import { backupFiles } from './archive/backup-files';
import { type BackupManifest, MANIFEST_FORMAT, MANIFEST_PATH } from './archive/backup-manifest';
import { type WrittenFile, tarStream } from './archive/tar-writer';
import { zstdCompress } from './archive/zstd';
import type { BackupTarget, UploadResult } from './targets/backup-target';

export interface ArchiveRequest {
  readonly instanceDir: string;
  /** The snapshot's copies (and HEARTH-SECRETS.json), laid out as in the instance directory. */
  readonly staging: string;
  readonly layout: BackupLayout;
  /** The manifest without its file list, which the archive fills in as it goes. */
  readonly manifest: Omit<BackupManifest, 'format' | 'files' | 'totalBytes'>;
  readonly recipients: readonly string[];
  readonly target: BackupTarget;
  readonly key: string;
  /** Bytes of content archived so far, for the job's progress. */
  readonly onProgress?: (bytes: number) => void;
}

export interface ArchiveResult {
  readonly upload: UploadResult;
  readonly manifest: BackupManifest;
}

/**
 * tar → zstd → age → target, in one pass: every file is read once, hashed as it goes into the
 * archive, and the stored object is checked by the target before it gets its final name. Nothing
 * unencrypted leaves this process except into zstd's pipe.
 */
export async function archiveToTarget(request: ArchiveRequest): Promise<ArchiveResult> {
  const written: WrittenFile[] = [];
  let manifest: BackupManifest | undefined;
  const trailer = () => {
    manifest = {
      format: MANIFEST_FORMAT,
      ...request.manifest,
      files: written,
      totalBytes: written.reduce((sum, file) => sum + file.size, 0),
    };
    return { path: MANIFEST_PATH, content: Buffer.from(JSON.stringify(manifest, null, 2)) };
  };
  const tar = Readable.from(progress(tarStream(backupFiles(request.instanceDir, request.staging, request.layout), written, trailer), request.onProgress));
  const compress = zstdCompress();
  const encrypt = createEncryptStream(request.recipients);
  // The target consumes `encrypt`; the pipeline carries a failure anywhere in the chain to it, and its own to them.
  const piping = pipeline(tar, compress, encrypt);
  const uploading = request.target.put(request.key, encrypt).catch((error: unknown) => {
    tar.destroy(error as Error);
    throw error;
  });
  // Both settle before anything is reported, so a failed upload has removed its temporary object.
  const [upload, piped] = await Promise.allSettled([uploading, piping]);
  if (upload.status === 'rejected') throw upload.reason;
  if (piped.status === 'rejected') throw piped.reason;
  if (!manifest) throw new Error('The archive ended before its manifest was written');
  return { upload: upload.value, manifest };
}

async function* progress(blocks: AsyncGenerator<Buffer>, onProgress?: (bytes: number) => void): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const block of blocks) {
    bytes += block.length;
    onProgress?.(bytes);
    yield block;
  }
}
