import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AgeError, corrupt } from './age-error';
import { findHeaderEnd, formatHeader, MAX_HEADER_LENGTH, parseHeader, verifyHeaderMac, type ParsedHeader } from './age-header';
import { decodeIdentity, parseRecipient, type X25519Identity } from './age-keys';
import { hkdf, open, seal, TAG_LENGTH } from './age-primitives';
import { ByteQueue } from './byte-queue';
import { isX25519Stanza, unwrapFileKey, wrapFileKey } from './x25519-stanza';

/**
 * age v1 files (age-encryption.org/v1) for X25519 recipients, as streams: what `age -r` writes
 * and `age -d -i` reads, byte for byte compatible.
 *
 * The payload is STREAM: 64 KiB chunks of plaintext, each sealed with ChaCha20-Poly1305 under a
 * nonce of an 11-byte big-endian counter and a last-chunk flag, so truncation, reordering and
 * appended data are all detected.
 */

const FILE_KEY_LENGTH = 16;
const PAYLOAD_NONCE_LENGTH = 16;
const CHUNK_SIZE = 64 * 1024;
const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_LENGTH;
const MAX_HEAD_LENGTH = MAX_HEADER_LENGTH + PAYLOAD_NONCE_LENGTH;

/** Encrypts to every recipient (`age1...`); throws AgeError 'age/invalid-recipient' at once for a bad one. */
export function createEncryptStream(recipients: readonly string[]): Transform {
  if (recipients.length === 0) throw new AgeError('age/invalid-recipient', 'An age file needs at least one recipient');
  const publicKeys = recipients.map(parseRecipient);
  const fileKey = randomBytes(FILE_KEY_LENGTH);
  const header = formatHeader(publicKeys.map((publicKey) => wrapFileKey(fileKey, publicKey)), fileKey);
  const nonce = randomBytes(PAYLOAD_NONCE_LENGTH);
  return new EncryptStream(Buffer.concat([header, nonce]), payloadKey(fileKey, nonce));
}

/**
 * Decrypts with whichever identity (`AGE-SECRET-KEY-1...`) the file was encrypted to; throws
 * AgeError 'age/invalid-identity' at once for a bad one. Problems with the file itself are stream
 * errors (AgeError, see its codes). Each chunk's plaintext leaves only once its tag verified, but
 * a file that turns out damaged midway has already let the chunks before the damage through:
 * treat the output as valid only when the stream ends without an error.
 */
export function createDecryptStream(identities: readonly string[]): Transform {
  if (identities.length === 0) throw new AgeError('age/invalid-identity', 'Decrypting an age file needs at least one identity');
  return new DecryptStream(identities.map((identity) => decodeIdentity(identity.trim())));
}

class EncryptStream extends Transform {
  private readonly pending = new ByteQueue();
  private counter = 0;

  constructor(
    headerAndNonce: Buffer,
    private readonly key: Buffer,
  ) {
    super();
    this.push(headerAndNonce);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending.push(data);
    // A chunk is sealed only once more input follows it: the last chunk carries a flag, and may be full.
    while (this.pending.length > CHUNK_SIZE) this.sealChunk(this.pending.take(CHUNK_SIZE), false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.sealChunk(this.pending.take(this.pending.length), true);
    done();
  }

  private sealChunk(plaintext: Buffer, last: boolean): void {
    const [ciphertext, tag] = seal(this.key, chunkNonce(this.counter++, last), plaintext);
    this.push(ciphertext);
    this.push(tag);
  }
}

class DecryptStream extends Transform {
  // Input while the header and payload nonce are incomplete, in a buffer that doubles as it fills,
  // so that a header arriving a few bytes at a time is not copied over and over.
  private head = Buffer.alloc(0);
  private headLength = 0;
  private key: Buffer | undefined;
  private readonly pending = new ByteQueue();
  private counter = 0;

  constructor(private readonly identities: readonly X25519Identity[]) {
    super();
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.key) this.pending.push(data);
      else this.readHead(data);
      // As in encryption, the chunk that nothing follows is held back: it is the one to open as the last.
      while (this.pending.length > SEALED_CHUNK_SIZE) this.openChunk(this.pending.take(SEALED_CHUNK_SIZE), false);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.key) corrupt('it ends before its payload');
      this.openChunk(this.pending.take(this.pending.length), true);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private readHead(data: Buffer): void {
    const scanned = this.headLength;
    let head: Buffer;
    let rest: Buffer;
    if (scanned === 0) {
      // The first piece usually holds the whole header: it is read in place.
      head = data;
      rest = data.subarray(data.length);
    } else {
      // Copied only as far as a header and nonce may reach (findHeaderEnd() throws before a header
      // passes that limit); whatever lies beyond is payload.
      const room = MAX_HEAD_LENGTH - scanned;
      head = this.appendToHead(data.subarray(0, room));
      rest = data.subarray(room);
    }
    const end = findHeaderEnd(head, scanned);
    if (end === undefined || head.length < end + PAYLOAD_NONCE_LENGTH) {
      if (scanned === 0) this.appendToHead(data);
      return;
    }
    const fileKey = this.unwrapFileKey(parseHeader(head.subarray(0, end)));
    this.key = payloadKey(fileKey, head.subarray(end, end + PAYLOAD_NONCE_LENGTH));
    this.head = Buffer.alloc(0);
    this.pending.push(head.subarray(end + PAYLOAD_NONCE_LENGTH));
    this.pending.push(rest);
  }

  private appendToHead(data: Buffer): Buffer {
    if (this.headLength + data.length > this.head.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.head.length, this.headLength + data.length, 4096));
      this.head.copy(grown, 0, 0, this.headLength);
      this.head = grown;
    }
    data.copy(this.head, this.headLength);
    this.headLength += data.length;
    return this.head.subarray(0, this.headLength);
  }

  private unwrapFileKey(header: ParsedHeader): Buffer {
    if (header.stanzas.some((stanza) => stanza.args[0] === 'scrypt')) {
      throw new AgeError('age/unsupported', 'This age file is encrypted with a passphrase; only files encrypted to age1... recipients can be read');
    }
    const stanzas = header.stanzas.filter(isX25519Stanza);
    if (stanzas.length === 0) {
      throw new AgeError('age/unsupported', 'This age file is encrypted to other kinds of recipients than age1... keys');
    }
    for (const stanza of stanzas) {
      for (const identity of this.identities) {
        const fileKey = unwrapFileKey(stanza, identity);
        if (!fileKey) continue;
        verifyHeaderMac(header, fileKey);
        return fileKey;
      }
    }
    throw new AgeError('age/no-identity-matched', 'None of the identities can decrypt this age file');
  }

  private openChunk(sealed: Buffer, last: boolean): void {
    // The spec allows an empty last chunk only in an empty file, so that every plaintext has one encryption.
    if (last && sealed.length === TAG_LENGTH && this.counter > 0) corrupt('its last chunk is empty');
    const plaintext = open(this.key!, chunkNonce(this.counter++, last), sealed);
    if (!plaintext) corrupt('the payload is truncated, altered or followed by other data');
    this.push(plaintext);
  }
}

function payloadKey(fileKey: Buffer, nonce: Buffer): Buffer {
  return hkdf(fileKey, nonce, 'payload');
}

/** STREAM's nonce: the chunk counter as 11 big-endian bytes, then 1 for the last chunk, 0 before it. */
function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // The counter's low 6 bytes: 2^48 chunks of 64 KiB is more than any file.
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}
