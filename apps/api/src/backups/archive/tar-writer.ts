import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * A streaming POSIX tar (pax) writer that hashes every file while it sends it, so a backup reads
 * each byte once and its manifest still lists every file's sha256. GNU tar, bsdtar and busybox
 * extract it: an operator restores by hand with `tar x`.
 */

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
// ustar's name field holds 100 bytes; longer names, and anything non-ASCII, go in a pax header.
const USTAR_NAME_MAX = 100;
// 11 octal digits.
const USTAR_SIZE_MAX = 0o77777777777;
// Files up to this size are read in one call: chat servers keep many small files (media
// thumbnails, keys), and a stream per file costs more than the file.
const SMALL_FILE = 1 << 20;
// Headers, small files and padding are gathered into blocks of this size before they go on.
const OUTPUT_BLOCK = 256 * 1024;

export interface TarEntry {
  /** Path inside the archive, '/'-separated, relative. */
  readonly path: string;
  /** Where the file is on this host; directories have none. */
  readonly source?: string;
  readonly stats: Pick<Stats, 'size' | 'mode' | 'mtimeMs' | 'isDirectory'>;
}

export interface WrittenFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly sha256: string;
}

/**
 * Yields the archive block by block: every entry, then `trailer()` (the manifest, which needs the
 * hashes) as the last file, then the end-of-archive marker. `written` fills as files are sent.
 */
export async function* tarStream(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
  written: WrittenFile[],
  trailer: () => { path: string; content: Buffer },
): AsyncGenerator<Buffer> {
  const out = new OutputBlocks();
  for await (const entry of entries) {
    const mode = entry.stats.mode & 0o7777;
    const mtime = Math.floor(entry.stats.mtimeMs / 1000);
    if (entry.stats.isDirectory()) {
      yield* out.add(header(`${entry.path}/`, 0, mode, mtime, '5'));
      continue;
    }
    const size = entry.stats.size;
    yield* out.add(header(entry.path, size, mode, mtime, '0'));
    const hash = createHash('sha256');
    for await (const chunk of fileContent(entry.source!, entry.path, size)) {
      hash.update(chunk);
      yield* out.add(chunk);
    }
    yield* out.add(ZERO_BLOCK.subarray(0, padding(size)));
    written.push({ path: entry.path, size, mode, sha256: hash.digest('hex') });
  }
  const { path, content } = trailer();
  yield* out.add(header(path, content.length, 0o600, Math.floor(Date.now() / 1000), '0'));
  yield* out.add(content);
  yield* out.add(ZERO_BLOCK.subarray(0, padding(content.length)));
  yield* out.add(Buffer.alloc(BLOCK * 2));
  yield* out.flush();
}

/**
 * Exactly the size announced in the header: a file that grows meanwhile is cut at it, one that
 * shrinks is an error.
 */
async function* fileContent(source: string, path: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (size <= SMALL_FILE) {
    const handle = await open(source, 'r');
    try {
      const buffer = Buffer.allocUnsafe(size);
      while (sent < size) {
        const { bytesRead } = await handle.read(buffer, sent, size - sent, sent);
        if (bytesRead === 0) break;
        sent += bytesRead;
      }
      if (sent === size) yield buffer;
    } finally {
      await handle.close();
    }
  } else {
    for await (const chunk of createReadStream(source, { start: 0, end: size - 1, highWaterMark: 1 << 20 })) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  if (sent !== size) throw new Error(`${path} shrank from ${size} to ${sent} bytes while it was being archived`);
}

/** Gathers small pieces into OUTPUT_BLOCK-sized buffers; big ones pass through as they are. */
class OutputBlocks {
  private pieces: Buffer[] = [];
  private length = 0;

  *add(piece: Buffer): Generator<Buffer> {
    if (piece.length === 0) return;
    if (piece.length >= OUTPUT_BLOCK) {
      yield* this.flush();
      yield piece;
      return;
    }
    this.pieces.push(piece);
    this.length += piece.length;
    if (this.length >= OUTPUT_BLOCK) yield* this.flush();
  }

  *flush(): Generator<Buffer> {
    if (this.length === 0) return;
    const block = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    yield block;
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function header(path: string, size: number, mode: number, mtime: number, type: '0' | '5'): Buffer {
  const name = Buffer.from(path, 'utf8');
  const needsPax = name.length > USTAR_NAME_MAX || size > USTAR_SIZE_MAX || /[^\x20-\x7e]/.test(path);
  const main = ustar(needsPax ? Buffer.from(`pax/${path}`.slice(0, 99).replace(/[^\x20-\x7e]/g, '_')) : name, needsPax && size > USTAR_SIZE_MAX ? 0 : size, mode, mtime, type);
  if (!needsPax) return main;
  const records = Buffer.concat([paxRecord('path', path), paxRecord('size', String(size))]);
  const pax = ustar(Buffer.from('PaxHeader'), records.length, 0o644, mtime, 'x');
  return Buffer.concat([pax, records, ZERO_BLOCK.subarray(0, padding(records.length)), main]);
}

/** "<length> <key>=<value>\n", where length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length += 1;
  return Buffer.from(`${length}${body}`);
}

function ustar(name: Buffer, size: number, mode: number, mtime: number, type: '0' | '5' | 'x'): Buffer {
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0, 0, USTAR_NAME_MAX);
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, mtime);
  block.write(type, 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  // The checksum is computed with its own field as spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}
