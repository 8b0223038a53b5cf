import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';

/**
 * Encrypts secrets at rest (TOTP seeds, homeserver admin credentials) with the console's
 * master key: AES-256-GCM, a fresh 96-bit nonce per value.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('The master key must be 32 bytes');
    return new SecretBox(key);
  }

  /**
   * HEARTH_MASTER_KEY wins; otherwise the key file in the data directory, created with
   * mode 0600 on first start. Losing it makes stored secrets unreadable, so docs/ say to back it up.
   */
  static load(masterKeyBase64: string | undefined, dataDir: string): SecretBox {
    if (masterKeyBase64) return SecretBox.fromKey(Buffer.from(masterKeyBase64, 'base64'));
    const file = join(dataDir, 'master.key');
    if (!existsSync(file)) {
      // Traversable but not listable: instances in it run as an unprivileged user that must reach
      // its own directory; the key file itself stays 0600.
      mkdirSync(dataDir, { recursive: true, mode: 0o711 });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    return SecretBox.fromKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, nonce.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, nonce, tag, body] = sealed.split(':');
    if (version !== VERSION || !nonce || !tag || body === undefined) throw new Error('Unrecognised sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}
