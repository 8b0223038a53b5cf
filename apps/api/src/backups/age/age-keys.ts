import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AgeError, type AgeErrorCode } from './age-error';
import { bech32Decode, bech32Encode } from './bech32';

/**
 * age's X25519 keys: recipients are `age1...` (the public key), identities `AGE-SECRET-KEY-1...`
 * (the private key), both Bech32 as age-keygen writes them.
 */

interface KeyKind {
  readonly hrp: string;
  readonly code: AgeErrorCode;
  readonly name: string;
}
const RECIPIENT: KeyKind = { hrp: 'age', code: 'age/invalid-recipient', name: 'an age recipient (age1...)' };
const IDENTITY: KeyKind = { hrp: 'age-secret-key-', code: 'age/invalid-identity', name: 'an age identity (AGE-SECRET-KEY-1...)' };
const KEY_LENGTH = 32;
const ZERO_KEY = Buffer.alloc(KEY_LENGTH);
// A raw X25519 private key wrapped as PKCS#8 (RFC 8410). node:crypto only imports private keys
// whole, and its JWK import wants the public half too, which is what we derive from it.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface X25519Identity {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

export function generateIdentity(): { identity: string; recipient: string } {
  const { privateKey } = generateKeyPairSync('x25519');
  const secret = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  return {
    identity: bech32Encode(IDENTITY.hrp, secret, true),
    recipient: bech32Encode(RECIPIENT.hrp, x25519PublicKey(privateKey)),
  };
}

/** The recipient (`age1...`) that encrypts to this identity, as `age-keygen -y` prints it. */
export function recipientOf(identity: string): string {
  return bech32Encode(RECIPIENT.hrp, decodeIdentity(identity.trim()).publicKey);
}

/**
 * An `age1...` recipient as an operator pastes it (surrounding white space is fine); answers the
 * 32-byte public key. Low-order points are refused here, since no file could be encrypted to them.
 */
export function parseRecipient(text: string): Buffer {
  const publicKey = decodeKey(text.trim(), RECIPIENT);
  if (!x25519(generateKeyPairSync('x25519').privateKey, publicKey)) {
    throw new AgeError('age/invalid-recipient', 'This age recipient is not a usable X25519 public key');
  }
  return publicKey;
}

/**
 * The identities in an identity file as age-keygen writes it: `#` comment lines, blank lines and
 * one `AGE-SECRET-KEY-1...` per line. Errors name the line, never its content.
 */
export function parseIdentities(text: string): string[] {
  const identities: string[] = [];
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      decodeIdentity(line);
    } catch (error) {
      throw new AgeError('age/invalid-identity', `Line ${index + 1} of the identity file: ${(error as Error).message}`);
    }
    identities.push(line);
  }
  if (identities.length === 0) throw new AgeError('age/invalid-identity', 'The identity file holds no AGE-SECRET-KEY-1... line');
  return identities;
}

export function decodeIdentity(text: string): X25519Identity {
  const secret = decodeKey(text, IDENTITY);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

/**
 * X25519(privateKey, publicKey). Undefined when the result is all zeros, which a low-order public
 * key causes and age requires refusing (OpenSSL refuses it itself; the check stays for any that would not).
 */
export function x25519(privateKey: KeyObject, publicKey: Uint8Array): Buffer | undefined {
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: peer });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') return undefined;
    throw error;
  }
  return shared.equals(ZERO_KEY) ? undefined : shared;
}

/** The raw public key of an X25519 private key. */
export function x25519PublicKey(privateKey: KeyObject): Buffer {
  return Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
}

function decodeKey(text: string, kind: KeyKind): Buffer {
  let decoded;
  try {
    decoded = bech32Decode(text);
  } catch (error) {
    throw new AgeError(kind.code, `This is not ${kind.name}: ${(error as Error).message}`);
  }
  if (decoded.hrp !== kind.hrp) throw new AgeError(kind.code, `This is not ${kind.name}: wrong prefix`);
  if (decoded.data.length !== KEY_LENGTH) {
    throw new AgeError(kind.code, `This is not ${kind.name}: it holds ${decoded.data.length} bytes, not ${KEY_LENGTH}`);
  }
  return decoded.data;
}
