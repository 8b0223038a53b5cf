import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactSecrets } from '../../src/common/redact';

test('replaces every secret-named field, at any level and in arrays', () => {
  const input = {
    email: 'a@example.org',
    password: 'hunter2hunter2',
    newPassword: 'x',
    currentPassword: 'y',
    totp: '123456',
    nested: { adminToken: 't', apiKey: 'k', privateKey: 'p', note: 'keep me' },
    list: [{ secretAccessKey: 's', name: 'kept' }, 'plain'],
    authorization: 'Bearer abc',
    Cookie: 'hearth_session=abc',
    identity: 'AGE-SECRET-KEY-1',
    passphrase: 'pp',
    recoveryCode: 'abcd-efgh',
    credentials: { user: 'u' },
  };
  assert.deepEqual(redactSecrets(input), {
    email: 'a@example.org',
    password: REDACTED,
    newPassword: REDACTED,
    currentPassword: REDACTED,
    totp: REDACTED,
    nested: { adminToken: REDACTED, apiKey: REDACTED, privateKey: REDACTED, note: 'keep me' },
    list: [{ secretAccessKey: REDACTED, name: 'kept' }, 'plain'],
    authorization: REDACTED,
    Cookie: REDACTED,
    identity: REDACTED,
    passphrase: REDACTED,
    recoveryCode: REDACTED,
    credentials: REDACTED,
  });
});

test('does not modify its input', () => {
  const input = { password: 'p', inner: { token: 't' } };
  redactSecrets(input);
  assert.deepEqual(input, { password: 'p', inner: { token: 't' } });
});

test('leaves primitives and harmless objects alone', () => {
  assert.equal(redactSecrets('password'), 'password');
  assert.equal(redactSecrets(null), null);
  assert.equal(redactSecrets(42), 42);
  assert.deepEqual(redactSecrets({ name: 'n', role: 'admin', count: 3, on: true, none: null }), { name: 'n', role: 'admin', count: 3, on: true, none: null });
});

test('never keeps a secret nested deeper than it inspects', () => {
  let deep: Record<string, unknown> = { password: 'deep-secret-value' };
  for (let i = 0; i < 20; i++) deep = { level: deep };
  const out = JSON.stringify(redactSecrets(deep));
  assert.doesNotMatch(out, /deep-secret-value/);
  let nestedArrays: unknown = [{ token: 'array-secret-value' }];
  for (let i = 0; i < 20; i++) nestedArrays = [nestedArrays];
  assert.doesNotMatch(JSON.stringify(redactSecrets(nestedArrays)), /array-secret-value/);
});

test('cycles do not hang it', () => {
  const cyclic: Record<string, unknown> = { name: 'c' };
  cyclic.self = cyclic;
  assert.doesNotThrow(() => JSON.stringify(redactSecrets(cyclic)));
});
