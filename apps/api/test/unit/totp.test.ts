import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode, hotp, newTotpSecret, otpauthUrl, totpCode, totpStep, verifyTotp } from '../../src/crypto/totp';

// RFC 6238 appendix B, SHA-1 rows. The RFC prints 8 digits; a 6-digit code is the same
// truncated value mod 10^6, i.e. the last six of them.
const RFC6238_SHA1: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
// RFC 4226 appendix D: HOTP for counters 0..9.
const RFC4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('base32', () => {
  test('encodes the RFC secret as RFC 4648 does', () => {
    assert.equal(base32Encode(RFC_SECRET), RFC_SECRET_BASE32);
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
  });

  test('round-trips random bytes of every length up to 41', () => {
    for (let length = 0; length <= 41; length++) {
      const bytes = randomBytes(length);
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes, `length ${length}`);
    }
  });

  test('decodes lower case, spaces and padding the way apps display secrets', () => {
    assert.deepEqual(base32Decode('mzxw 6ytb oi======'), Buffer.from('foobar'));
  });

  test('rejects characters outside the alphabet', () => {
    assert.throws(() => base32Decode('MZXW1'), /Invalid base32/);
  });

  test('new secrets carry 160 bits', () => {
    const secret = newTotpSecret();
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(newTotpSecret(), secret);
  });
});

describe('HOTP and TOTP against the RFC vectors', () => {
  test('RFC 4226 HOTP values', () => {
    RFC4226.forEach((expected, counter) => assert.equal(hotp(RFC_SECRET, counter), expected, `counter ${counter}`));
  });

  for (const [seconds, eightDigits] of RFC6238_SHA1) {
    test(`RFC 6238 at T=${seconds}`, () => {
      assert.equal(totpCode(RFC_SECRET_BASE32, seconds * 1000), eightDigits.slice(-6));
    });
  }

  test('steps are 30 seconds', () => {
    assert.equal(totpStep(59_000), 1);
    assert.equal(totpStep(60_000), 2);
    assert.equal(totpStep(1111111109_000), 37037036);
  });
});

describe('verifyTotp', () => {
  const at = 1234567890_000;
  const step = totpStep(at);

  test('accepts the current code and returns its step', () => {
    assert.equal(verifyTotp(RFC_SECRET_BASE32, '005924', at), step);
  });

  test('accepts one step of drift either way, not two', () => {
    assert.equal(verifyTotp(RFC_SECRET_BASE32, totpCode(RFC_SECRET_BASE32, at - 30_000), at), step - 1);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, totpCode(RFC_SECRET_BASE32, at + 30_000), at), step + 1);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, totpCode(RFC_SECRET_BASE32, at - 60_000), at), undefined);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, totpCode(RFC_SECRET_BASE32, at + 60_000), at), undefined);
  });

  test('rejects a replay: nothing at or before lastUsedStep', () => {
    const code = totpCode(RFC_SECRET_BASE32, at);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, code, at, step), undefined);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, code, at, step + 1), undefined);
    assert.equal(verifyTotp(RFC_SECRET_BASE32, code, at, step - 1), step);
    // The previous step's code is refused once the current one was used.
    assert.equal(verifyTotp(RFC_SECRET_BASE32, totpCode(RFC_SECRET_BASE32, at - 30_000), at, step), undefined);
  });

  test('rejects wrong codes and anything but six digits', () => {
    const code = totpCode(RFC_SECRET_BASE32, at);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(verifyTotp(RFC_SECRET_BASE32, wrong, at), undefined);
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code}`, `${code}\n`]) {
      assert.equal(verifyTotp(RFC_SECRET_BASE32, bad, at), undefined, JSON.stringify(bad));
    }
  });

  test('rejects codes of another secret', () => {
    const other = newTotpSecret();
    assert.equal(verifyTotp(other, totpCode(RFC_SECRET_BASE32, at), at), undefined);
  });
});

test('otpauth URL carries the parameters authenticator apps read', () => {
  const url = new URL(otpauthUrl(RFC_SECRET_BASE32, 'owner@example.org', 'Hearth'));
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  assert.equal(decodeURIComponent(url.pathname), '/Hearth:owner@example.org');
  assert.equal(url.searchParams.get('secret'), RFC_SECRET_BASE32);
  assert.equal(url.searchParams.get('issuer'), 'Hearth');
  assert.equal(url.searchParams.get('digits'), '6');
  assert.equal(url.searchParams.get('period'), '30');
  assert.equal(url.searchParams.get('algorithm'), 'SHA1');
});
