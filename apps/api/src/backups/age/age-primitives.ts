import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/** The spec's HKDF-SHA-256: extract with `salt`, expand with `info`, always 32 bytes out. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

export const TAG_LENGTH = 16;

/**
 * ChaCha20-Poly1305: [ciphertext, tag], which age always stores in that order. Two buffers, so
 * that the payload can send them on without copying them into one.
 */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): [Buffer, Buffer] {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // a stream cipher holds nothing back
  return [ciphertext, cipher.getAuthTag()];
}

/**
 * Undoes `seal` on ciphertext || tag; undefined when the tag does not verify (wrong key, or
 * tampered). The plaintext leaves only after the tag checked out.
 */
export function open(key: Uint8Array, nonce: Uint8Array, sealed: Buffer): Buffer | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plaintext;
}

/** Unpadded standard base64, as age writes it everywhere. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;

/**
 * Unpadded base64 that must be canonical (no padding, unused trailing bits zero), as the spec
 * requires: Buffer.from() alone would accept many spellings of the same bytes.
 */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (!BASE64_CHARS.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64(bytes) === text ? bytes : undefined;
}
