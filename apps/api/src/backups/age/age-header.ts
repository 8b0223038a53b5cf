import { createHmac, timingSafeEqual } from 'node:crypto';
import { AgeError, corrupt } from './age-error';
import { decodeCanonicalBase64, encodeBase64, hkdf } from './age-primitives';

/**
 * The textual header of an age v1 file: the version line, one stanza per recipient (each wraps
 * the file key), and a MAC over all of it keyed by the file key.
 */

const VERSION_PREFIX = 'age-encryption.org/';
const VERSION_LINE = `${VERSION_PREFIX}v1\n`;
const MAC_MARK = '---';
const COLUMNS = 64;
// "--- " + 43 base64 characters (32 bytes) + LF.
const MAC_LINE_LENGTH = 48;
const MAC_LINE = /^--- [A-Za-z0-9+/]{43}$/;
const NOT_HEADER_TEXT = /[^\n\x20-\x7e]/;
const BODY_LINE = /^[A-Za-z0-9+/]{0,64}$/;
/** Thousands of X25519 stanzas fit; a longer header is not one we would read, and refusing it bounds the buffering. */
export const MAX_HEADER_LENGTH = 1024 * 1024;

export interface Stanza {
  readonly args: readonly string[];
  readonly body: Buffer;
}

export function formatHeader(stanzas: readonly Stanza[], fileKey: Buffer): Buffer {
  let text = VERSION_LINE;
  for (const { args, body } of stanzas) {
    text += `-> ${args.join(' ')}\n`;
    const encoded = encodeBase64(body);
    // Full 64-column lines, then always a shorter one: an empty line when the body fills its last line.
    for (let start = 0; start <= encoded.length; start += COLUMNS) text += `${encoded.slice(start, start + COLUMNS)}\n`;
  }
  text += MAC_MARK;
  return Buffer.from(`${text} ${encodeBase64(headerMac(Buffer.from(text, 'latin1'), fileKey))}\n`, 'latin1');
}

/**
 * Where the header ends in the bytes read so far: the offset just past it, or undefined when more
 * input is needed. `scanned` is the length at the previous call, whose bytes need no second look.
 * Throws as soon as the bytes cannot start an age v1 header, so that garbage is refused at once
 * rather than buffered up to the limit.
 */
export function findHeaderEnd(buffer: Buffer, scanned: number): number | undefined {
  for (let i = 0; i < Math.min(buffer.length, VERSION_LINE.length); i++) {
    if (buffer[i] === VERSION_LINE.charCodeAt(i)) continue;
    // "age-encryption.org/" and then another version string (printable, no spaces) is a later format, not damage.
    if (i >= VERSION_PREFIX.length && buffer[i]! > 0x20 && buffer[i]! < 0x7f) {
      throw new AgeError('age/unsupported', 'This age file uses a format version other than v1');
    }
    corrupt('it does not start as an age file does');
  }
  // A MAC line found before but not complete yet starts at most a line's length before `scanned`.
  const macLine = buffer.indexOf(`\n${MAC_MARK}`, Math.max(0, scanned - MAC_LINE_LENGTH - 1));
  const maxTextEnd = MAX_HEADER_LENGTH - MAC_LINE_LENGTH;
  const textEnd = Math.min(macLine === -1 ? buffer.length : macLine, maxTextEnd);
  if (!isHeaderText(buffer.subarray(Math.min(scanned, textEnd), textEnd))) corrupt('the header holds bytes that are not printable ASCII');
  if (textEnd >= maxTextEnd) corrupt('the header is too long');
  if (macLine === -1 || buffer.length < macLine + 1 + MAC_LINE_LENGTH) return undefined;
  return macLine + 1 + MAC_LINE_LENGTH;
}

export interface ParsedHeader {
  readonly stanzas: readonly Stanza[];
  /** The header up to and including "---", which the MAC covers. */
  readonly macInput: Buffer;
  readonly mac: Buffer;
}

/** Parses a whole header (as `findHeaderEnd` delimits it) exactly as the spec's grammar allows, nothing more. */
export function parseHeader(header: Buffer): ParsedHeader {
  if (!isHeaderText(header)) corrupt('the header holds bytes that are not printable ASCII');
  const lines = header.toString('latin1').split('\n');
  // The header ends with LF (an empty string after the split) and starts with the version line.
  if (lines.pop() !== '' || `${lines.shift()}\n` !== VERSION_LINE) corrupt('the header is malformed');
  const macLine = lines.pop()!;
  if (!MAC_LINE.test(macLine)) corrupt('the header MAC line is malformed');
  const stanzas: Stanza[] = [];
  let index = 0;
  while (index < lines.length) {
    const argLine = lines[index++]!;
    const args = argLine.startsWith('-> ') ? argLine.slice(3).split(' ') : [];
    if (args.length === 0 || args.includes('')) corrupt('a stanza line is malformed');
    let encoded = '';
    for (;;) {
      const line = lines[index++];
      if (line === undefined || !BODY_LINE.test(line)) corrupt('a stanza body is malformed');
      encoded += line;
      if (line.length < COLUMNS) break;
    }
    const body = decodeCanonicalBase64(encoded);
    if (!body) corrupt('a stanza body is not canonical base64');
    stanzas.push({ args, body });
  }
  if (stanzas.length === 0) corrupt('the header has no recipient stanza');
  const macInput = header.subarray(0, header.length - MAC_LINE_LENGTH + MAC_MARK.length);
  return { stanzas, macInput, mac: decodeCanonicalBase64(macLine.slice(MAC_MARK.length + 1)) ?? corrupt('the header MAC is not canonical base64') };
}

/** Throws unless the header's MAC is the one the file key gives; checked only once a stanza gave up a file key. */
export function verifyHeaderMac(header: ParsedHeader, fileKey: Buffer): void {
  const expected = headerMac(header.macInput, fileKey);
  if (header.mac.length !== expected.length || !timingSafeEqual(header.mac, expected)) corrupt('the header MAC does not match');
}

function headerMac(macInput: Buffer, fileKey: Buffer): Buffer {
  return createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(macInput).digest();
}

/** Printable ASCII and LF only: what every line of a v1 header is made of. */
function isHeaderText(bytes: Buffer): boolean {
  return !NOT_HEADER_TEXT.test(bytes.toString('latin1'));
}
