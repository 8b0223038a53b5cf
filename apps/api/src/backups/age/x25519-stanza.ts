import { generateKeyPairSync } from 'node:crypto';
import { AgeError, corrupt } from './age-error';
import { x25519, x25519PublicKey, type X25519Identity } from './age-keys';
import type { Stanza } from './age-header';
import { decodeCanonicalBase64, encodeBase64, hkdf, open, seal } from './age-primitives';

/** The X25519 recipient stanza: the file key wrapped for one `age1...` recipient. */

const TYPE = 'X25519';
const INFO = 'age-encryption.org/v1/X25519';
const ZERO_NONCE = Buffer.alloc(12);
// A 16-byte file key and its 16-byte tag; anything else is refused before trying to decrypt it.
const BODY_LENGTH = 32;
const SHARE_LENGTH = 32;

export function wrapFileKey(fileKey: Buffer, recipient: Buffer): Stanza {
  // A fresh ephemeral key for every stanza of every file, as the spec requires.
  const ephemeral = generateKeyPairSync('x25519').privateKey;
  const share = x25519PublicKey(ephemeral);
  const shared = x25519(ephemeral, recipient);
  if (!shared) throw new AgeError('age/invalid-recipient', 'This age recipient is not a usable X25519 public key');
  const wrapKey = hkdf(shared, Buffer.concat([share, recipient]), INFO);
  return { args: [TYPE, encodeBase64(share)], body: Buffer.concat(seal(wrapKey, ZERO_NONCE, fileKey)) };
}

export function isX25519Stanza(stanza: Stanza): boolean {
  return stanza.args[0] === TYPE;
}

/**
 * The file key if this X25519 stanza was wrapped for `identity`, else undefined. A malformed
 * X25519 stanza is an error whichever identity tries it, as the spec requires.
 */
export function unwrapFileKey(stanza: Stanza, identity: X25519Identity): Buffer | undefined {
  const share = stanza.args.length === 2 ? decodeCanonicalBase64(stanza.args[1]!) : undefined;
  if (share?.length !== SHARE_LENGTH || stanza.body.length !== BODY_LENGTH) corrupt('an X25519 stanza is malformed');
  const shared = x25519(identity.privateKey, share);
  if (!shared) corrupt('an X25519 stanza has a low-order ephemeral share');
  const wrapKey = hkdf(shared, Buffer.concat([share, identity.publicKey]), INFO);
  return open(wrapKey, ZERO_NONCE, stanza.body);
}
