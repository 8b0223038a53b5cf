import { spawn } from 'node:child_process';
import { type Hash, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream } from './age/age-stream';
import { type BackupManifest, MANIFEST_PATH, parseManifest } from './archive/backup-manifest';
import { zstdDecompress } from './archive/zstd';
import type { BackupTarget, UploadResult } from './targets/backup-target';

export interface ExtractRequest {
  readonly target: BackupTarget;
  readonly key: string;
  /** The operator's age identities, held in memory for this call only. */
  readonly identities: readonly string[];
  /** An empty directory; the archive's tree lands in it. */
  readonly into: string;
  /** The stored object's size and sha256 as recorded when it was written: another object under the same name is refused. */
  readonly expected: UploadResult;
  readonly onProgress?: (bytes: number) => void;
}

/**
 * target → age → zstd → tar x, then every file is checked against the archive's manifest. The
 * same chain an operator runs by hand: `age -d -i key.txt X.tar.zst.age | zstd -d | tar x`.
 */
export async function extractFromTarget(request: ExtractRequest): Promise<BackupManifest> {
  await mkdir(request.into, { recursive: true, mode: 0o700 });
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      request.onProgress?.(size);
      done(null, chunk);
    },
  });
  const tar = spawn('tar', ['-x', '-f', '-', '-C', request.into, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let tarErrors = '';
  tar.stderr.setEncoding('utf8').on('data', (text: string) => (tarErrors = (tarErrors + text).slice(-500)));
  const exited = new Promise<number | null>((done) => tar.on('close', (code) => done(code)));
  try {
    await pipeline(await request.target.read(request.key), measure, createDecryptStream(request.identities), zstdDecompress(), tar.stdin);
  } catch (error) {
    tar.kill('SIGKILL');
    throw error;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`tar could not extract the archive (exit ${code}): ${tarErrors.trim()}`);
  const digest = hash.digest('hex');
  if (size !== request.expected.size || digest !== request.expected.sha256) {
    throw new Error(`The stored object is not the one this backup wrote (${size} bytes, sha256 ${digest}; expected ${request.expected.size} bytes, sha256 ${request.expected.sha256})`);
  }
  const manifest = parseManifest(await readFile(join(request.into, MANIFEST_PATH), 'utf8'));
  await checkFiles(request.into, manifest);
  return manifest;
}

/** Every file the manifest lists is there with its size and sha256. */
export async function checkFiles(root: string, manifest: BackupManifest): Promise<void> {
  const problems: string[] = [];
  const buffer = Buffer.allocUnsafe(SMALL_FILE + 1);
  for (const file of manifest.files) {
    const path = resolve(root, file.path);
    if (!path.startsWith(resolve(root) + sep)) {
      problems.push(`${file.path}: outside the archive`);
      continue;
    }
    const found = createHash('sha256');
    let bytes = 0;
    try {
      bytes = await hashFile(path, found, buffer);
    } catch {
      problems.push(`${file.path}: missing`);
      continue;
    }
    if (bytes !== file.size || found.digest('hex') !== file.sha256) problems.push(`${file.path}: differs from the manifest`);
  }
  if (problems.length) throw new Error(`The restored files do not match the backup's manifest: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` and ${problems.length - 10} more` : ''}`);
}

// Files up to this size are read in one call into a reused buffer: a restore checks thousands of small files.
const SMALL_FILE = 1 << 20;

/** Feeds the file into `hash`; answers its size. */
async function hashFile(path: string, hash: Hash, smallBuffer: Buffer): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead } = await handle.read(smallBuffer, 0, smallBuffer.length, 0);
    if (bytesRead <= SMALL_FILE) {
      hash.update(smallBuffer.subarray(0, bytesRead));
      return bytesRead;
    }
  } finally {
    await handle.close();
  }
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/**
 * Whether the identities open this object, reading only its header: the answer comes before a
 * restore is queued, so a wrong key changes nothing.
 */
export async function identitiesOpen(target: BackupTarget, key: string, identities: readonly string[]): Promise<void> {
  const source = await target.read(key);
  const decrypt = createDecryptStream(identities);
  try {
    await new Promise<void>((done, fail) => {
      decrypt.once('data', () => done());
      decrypt.once('end', () => done());
      decrypt.once('error', fail);
      source.once('error', fail);
      source.pipe(decrypt);
    });
  } finally {
    source.unpipe(decrypt);
    source.destroy();
    decrypt.destroy();
  }
}
