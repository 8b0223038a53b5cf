/**
 * age X25519 key pairs made in the browser, written as age-keygen writes them: the public key
 * (recipient) `age1...` and the private key (identity) `AGE-SECRET-KEY-1...`, both Bech32.
 * Only the public key ever leaves the browser; the private key goes into a file the operator keeps.
 */

/** The name of the downloaded private key file. */
export const KEY_FILE_NAME = 'hearth-backup-key.txt';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

export interface AgeKeyPair {
  /** `age1...`, what Hearth encrypts backups to. */
  recipient: string;
  /** The identity file's text, as age-keygen writes it. */
  identityFile: string;
}

/**
 * Bech32 as BIP-173 defines it (the original checksum, not bech32m), in lowercase and without its
 * 90-character limit, which age lifts.
 */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const words = toWords(data);
  const checksum = polymod([...expandHrp(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksumWords = [25, 20, 15, 10, 5, 0].map((shift) => (checksum >>> shift) & 31);
  return `${hrp}1${[...words, ...checksumWords].map((word) => CHARSET[word]).join('')}`;
}

function polymod(values: readonly number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    GENERATORS.forEach((generator, i) => {
      if ((top >>> i) & 1) checksum ^= generator;
    });
  }
  return checksum;
}

function expandHrp(hrp: string): number[] {
  const codes = [...hrp].map((char) => char.charCodeAt(0));
  return [...codes.map((code) => code >>> 5), 0, ...codes.map((code) => code & 31)];
}

/** Bytes regrouped into 5-bit words, the last one padded with zeros. */
function toWords(data: Uint8Array): number[] {
  const words: number[] = [];
  let accumulator = 0;
  let bits = 0;
  for (const byte of data) {
    accumulator = ((accumulator << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((accumulator >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((accumulator << (5 - bits)) & 31);
  return words;
}

function base64UrlBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/**
 * WebCrypto is there only in a secure context (HTTPS or localhost); X25519 in it only in recent
 * browsers, which `generateAgeKeyPair` finds out when it tries.
 */
export function canGenerateKeys(): boolean {
  return window.isSecureContext && crypto.subtle !== undefined;
}

/** A new key pair, and the identity file age-keygen would have written for it. */
export async function generateAgeKeyPair(now = new Date()): Promise<AgeKeyPair> {
  const keys = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
  // The JWK's `d` is the raw 32-byte private key (RFC 8037), which is what an age identity holds.
  const { d } = await crypto.subtle.exportKey('jwk', keys.privateKey);
  const secret = base64UrlBytes(d ?? '');
  if (publicKey.length !== 32 || secret.length !== 32) throw new Error('The browser made an X25519 key of an unexpected size');
  const recipient = bech32Encode('age', publicKey);
  const identity = bech32Encode('age-secret-key-', secret).toUpperCase();
  // RFC 3339 to the second, as age-keygen writes the date.
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { recipient, identityFile: `# created: ${created}\n# public key: ${recipient}\n${identity}\n` };
}

/** How many `AGE-SECRET-KEY-1...` lines an identity file holds (comments and blank lines aside). */
export function countIdentities(text: string): number {
  return text.split('\n').filter((line) => /^AGE-SECRET-KEY-1/i.test(line.trim())).length;
}
