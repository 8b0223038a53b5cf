import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box';

const root = mkdtempSync(join(tmpdir(), 'hearth-secret-box-'));
after(() => rmSync(root, { recursive: true, force: true }));

function flipByteOf(part: string): string {
  const bytes = Buffer.from(part, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

test('round-trips text, including empty and non-ASCII', () => {
  const box = SecretBox.fromKey(randomBytes(32));
  for (const plain of ['', 'JBSWY3DPEHPK3PXP', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
    assert.equal(box.open(box.seal(plain)), plain);
  }
});

test('uses a fresh nonce per value and never shows the plaintext', () => {
  const box = SecretBox.fromKey(randomBytes(32));
  const a = box.seal('same secret');
  const b = box.seal('same secret');
  assert.notEqual(a, b);
  assert.doesNotMatch(a, /same secret/);
  assert.match(a, /^v1:/);
});

test('detects tampering with nonce, tag or ciphertext', () => {
  const box = SecretBox.fromKey(randomBytes(32));
  const [version, nonce, tag, body] = box.seal('the admin token').split(':') as [string, string, string, string];
  assert.throws(() => box.open([version, flipByteOf(nonce), tag, body].join(':')));
  assert.throws(() => box.open([version, nonce, flipByteOf(tag), body].join(':')));
  assert.throws(() => box.open([version, nonce, tag, flipByteOf(body)].join(':')));
  assert.throws(() => box.open([version, nonce, tag].join(':')), /Unrecognised/);
  assert.throws(() => box.open(['v0', nonce, tag, body].join(':')), /Unrecognised/);
});

test('refuses values sealed with another key', () => {
  const sealed = SecretBox.fromKey(randomBytes(32)).seal('secret');
  assert.throws(() => SecretBox.fromKey(randomBytes(32)).open(sealed));
});

test('insists on a 32-byte key', () => {
  assert.throws(() => SecretBox.fromKey(randomBytes(16)), /32 bytes/);
  assert.throws(() => SecretBox.load(randomBytes(31).toString('base64'), root), /32 bytes/);
});

test('creates the key file with mode 0600 on first load and reuses it', () => {
  const dataDir = join(root, 'fresh', 'data');
  const first = SecretBox.load(undefined, dataDir);
  const file = join(dataDir, 'master.key');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(dataDir).mode & 0o777, 0o711, 'others may only pass through the data directory (to their instance), not list it');
  assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
  const sealed = first.seal('kept across restarts');
  assert.equal(SecretBox.load(undefined, dataDir).open(sealed), 'kept across restarts');
});

test('HEARTH_MASTER_KEY wins over the key file', () => {
  const dataDir = join(root, 'with-env-key');
  const key = randomBytes(32);
  const box = SecretBox.load(key.toString('base64'), dataDir);
  assert.equal(SecretBox.fromKey(key).open(box.seal('s')), 's');
  assert.throws(() => statSync(join(dataDir, 'master.key')), /ENOENT/);
});
