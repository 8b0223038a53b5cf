/**
 * Bech32 as BIP-173 defines it (not bech32m), without its 90-character limit: age encodes keys
 * with it and the spec lifts the limit for longer key types. Keys are a few dozen characters, so
 * the per-character work here costs nothing.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const CHECKSUM_LENGTH = 6;

export interface Bech32 {
  /** The human-readable part, lowercase. */
  readonly hrp: string;
  readonly data: Buffer;
}

/** Encodes in lowercase; pass `uppercase` for the all-caps form (age identities). */
export function bech32Encode(hrp: string, data: Uint8Array, uppercase = false): string {
  const lowerHrp = hrp.toLowerCase();
  const words = convertBits(data, 8, 5, true);
  const checksum = createChecksum(lowerHrp, words);
  const encoded = `${lowerHrp}1${[...words, ...checksum].map((word) => CHARSET[word]).join('')}`;
  return uppercase ? encoded.toUpperCase() : encoded;
}

/**
 * Decodes either case (the checksum is over the lowercase form) and refuses mixed case. The
 * errors say what is wrong, never the input, which may be a secret key.
 */
export function bech32Decode(text: string): Bech32 {
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw new Error('mixed upper and lower case');
  const separator = lower.lastIndexOf('1');
  if (separator < 1 || lower.length - separator - 1 < CHECKSUM_LENGTH) throw new Error('no separator, prefix or checksum');
  const hrp = lower.slice(0, separator);
  for (let i = 0; i < hrp.length; i++) {
    const code = hrp.charCodeAt(i);
    if (code < 33 || code > 126) throw new Error('invalid character in the prefix');
  }
  const words: number[] = [];
  for (const char of lower.slice(separator + 1)) {
    const word = CHARSET.indexOf(char);
    if (word === -1) throw new Error('invalid character in the data');
    words.push(word);
  }
  if (polymod([...expandHrp(hrp), ...words]) !== 1) throw new Error('checksum mismatch');
  return { hrp, data: Buffer.from(convertBits(words.slice(0, -CHECKSUM_LENGTH), 5, 8, false)) };
}

function polymod(values: readonly number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) checksum ^= GENERATORS[i];
  }
  return checksum;
}

function expandHrp(hrp: string): number[] {
  const codes = [...hrp].map((char) => char.charCodeAt(0));
  return [...codes.map((code) => code >>> 5), 0, ...codes.map((code) => code & 31)];
}

function createChecksum(hrp: string, words: readonly number[]): number[] {
  const mod = polymod([...expandHrp(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  return Array.from({ length: CHECKSUM_LENGTH }, (_, i) => (mod >>> (5 * (CHECKSUM_LENGTH - 1 - i))) & 31);
}

/** Regroups bits; decoding (no `pad`) refuses more than 4 bits of padding or padding that is not zero, as BIP-173 says. */
function convertBits(input: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  const out: number[] = [];
  const max = (1 << to) - 1;
  let accumulator = 0;
  let bits = 0;
  for (let i = 0; i < input.length; i++) {
    accumulator = (accumulator << from) | input[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((accumulator >>> bits) & max);
    }
    accumulator &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((accumulator << (to - bits)) & max);
  } else if (bits >= from || accumulator !== 0) {
    throw new Error('invalid padding');
  }
  return out;
}
