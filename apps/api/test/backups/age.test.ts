import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import {
  AgeError,
  createDecryptStream,
  createEncryptStream,
  generateIdentity,
  parseIdentities,
  parseRecipient,
  recipientOf,
  type AgeErrorCode,
} from '../../src/backups/age';
import { bech32Decode, bech32Encode } from '../../src/backups/age/bech32';
import { formatHeader, parseHeader, type Stanza } from '../../src/backups/age/age-header';
import { wrapFileKey } from '../../src/backups/age/x25519-stanza';

// Interoperability is checked against Debian's age CLI (the Go reference implementation).
const root = mkdtempSync(join(tmpdir(), 'hearth-age-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CHUNK = 64 * 1024;
const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * 1024 * 1024 + 12345];

// `age -p` reads the passphrase from a terminal, so it runs under script(1)'s pty, which passes
// our input on. Its scrypt takes about a second: it starts now and runs while the other tests do.
const passphraseFile = new Promise<Buffer>((resolve, reject) => {
  const input = join(root, 'passphrase.txt');
  const output = join(root, 'passphrase.age');
  writeFileSync(input, 'a secret\n');
  const child = spawn('script', ['-qec', `age -p -o ${output} ${input}`, '/dev/null'], { stdio: ['pipe', 'ignore', 'inherit'], timeout: 30_000 });
  child.stdin.end('correct horse battery staple\ncorrect horse battery staple\n');
  child.on('error', reject);
  child.on('exit', (code, signal) => (code === 0 ? resolve(readFileSync(output)) : reject(new Error(`age -p failed: ${code ?? signal}`))));
});
// An un-awaited rejection would end the run before the test that reports it.
passphraseFile.catch(() => {});

let fileCount = 0;
function tempFile(content: string | Buffer): string {
  const file = join(root, `file-${fileCount++}`);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/** An identity file written by age-keygen, and its recipient as `age-keygen -y` prints it. */
function cliKey(): { identityFile: string; recipient: string } {
  const identityFile = join(root, `key-${fileCount++}.txt`);
  execFileSync('age-keygen', ['-o', identityFile], { stdio: 'ignore' });
  return { identityFile, recipient: execFileSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).trim() };
}

function age(args: string[], input: Buffer): Buffer {
  return execFileSync('age', args, { input, maxBuffer: 64 * 1024 * 1024 });
}

/** Feeds `input` in pieces of awkward sizes (1 byte, across chunk borders...) and collects the output. */
async function run(transform: Transform, input: Buffer): Promise<Buffer> {
  const pieces: Buffer[] = [];
  const sizes = [1, 7, CHUNK + 15, 100, CHUNK + 16, CHUNK + 17, 3 * CHUNK];
  for (let offset = 0, i = 0; offset < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    pieces.push(input.subarray(offset, offset + size));
    offset += size;
  }
  const output: Buffer[] = [];
  await pipeline(Readable.from(pieces), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) output.push(chunk);
  });
  return Buffer.concat(output);
}

const encrypt = (plaintext: Buffer, recipients: string[]) => run(createEncryptStream(recipients), plaintext);
const decrypt = (file: Buffer, identities: string[]) => run(createDecryptStream(identities), file);

function isAgeError(code: AgeErrorCode) {
  return (error: unknown) => {
    assert.ok(error instanceof AgeError, `expected an AgeError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

test('files we encrypt decrypt with age -d, at every size around the chunk size', async () => {
  const cli = cliKey();
  const ours = generateIdentity();
  const oursFile = tempFile(`${ours.identity}\n`);
  for (const size of SIZES) {
    const plaintext = randomBytes(size);
    assert.deepEqual(age(['-d', '-i', cli.identityFile], await encrypt(plaintext, [cli.recipient])), plaintext, `${size} bytes, age-keygen key`);
    assert.deepEqual(age(['-d', '-i', oursFile], await encrypt(plaintext, [ours.recipient])), plaintext, `${size} bytes, our key`);
  }
});

test('files age -r and age -R encrypt decrypt with ours, at every size around the chunk size', async () => {
  const cli = cliKey();
  const cliIdentities = parseIdentities(readFileSync(cli.identityFile, 'utf8'));
  const ours = generateIdentity();
  const recipientsFile = tempFile(`# a comment, as recipients files may have\n${cli.recipient}\n`);
  for (const size of SIZES) {
    const plaintext = randomBytes(size);
    assert.deepEqual(await decrypt(age(['-r', ours.recipient], plaintext), [ours.identity]), plaintext, `${size} bytes, -r`);
    assert.deepEqual(await decrypt(age(['-R', recipientsFile], plaintext), cliIdentities), plaintext, `${size} bytes, -R`);
  }
});

test('the same sizes as the CLI writes them: header, nonce, then 16 bytes of tag per started chunk', async () => {
  const { identity, recipient } = generateIdentity();
  for (const size of SIZES) {
    const plaintext = randomBytes(size);
    const ours = await encrypt(plaintext, [recipient]);
    assert.equal(ours.length, age(['-r', recipient], plaintext).length, `${size} bytes`);
    assert.deepEqual(await decrypt(ours, [identity]), plaintext);
  }
});

test('several recipients: each identity alone decrypts, with the CLI and with ours', async () => {
  const cli = cliKey();
  const a = generateIdentity();
  const b = generateIdentity();
  const plaintext = randomBytes(2 * CHUNK + 3);
  const ours = await encrypt(plaintext, [a.recipient, cli.recipient, b.recipient]);
  assert.equal(parseHeader(ours.subarray(0, ours.indexOf('\n---') + 49)).stanzas.length, 3);
  for (const identity of [a.identity, b.identity]) {
    assert.deepEqual(age(['-d', '-i', tempFile(identity)], ours), plaintext);
    assert.deepEqual(await decrypt(ours, [identity]), plaintext);
  }
  assert.deepEqual(age(['-d', '-i', cli.identityFile], ours), plaintext);
  assert.deepEqual(await decrypt(ours, parseIdentities(readFileSync(cli.identityFile, 'utf8'))), plaintext);

  const theirs = age(['-r', a.recipient, '-r', cli.recipient, '-r', b.recipient], plaintext);
  assert.deepEqual(await decrypt(theirs, [b.identity]), plaintext);
  // Any one matching identity among several that do not is enough.
  assert.deepEqual(await decrypt(theirs, [generateIdentity().identity, a.identity]), plaintext);
});

test('keys: ours work with the CLI, recipientOf is age-keygen -y, identity files parse as age-keygen writes them', () => {
  const { identity, recipient } = generateIdentity();
  assert.match(identity, /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/);
  assert.match(recipient, /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/);
  assert.equal(execFileSync('age-keygen', ['-y', tempFile(`${identity}\n`)], { encoding: 'utf8' }).trim(), recipient);
  assert.equal(recipientOf(identity), recipient);
  assert.equal(recipientOf(identity.toLowerCase()), recipient);
  assert.equal(recipientOf(`  ${identity}\n`), recipient);

  const cli = cliKey();
  const text = readFileSync(cli.identityFile, 'utf8');
  assert.match(text, /^# created: .*\n# public key: age1.*\nAGE-SECRET-KEY-1/);
  const [cliIdentity, ...rest] = parseIdentities(text);
  assert.deepEqual(rest, []);
  assert.equal(recipientOf(cliIdentity!), cli.recipient);
  assert.deepEqual(parseIdentities(`${text}\r\n\n# another\n${identity}\r\n`), [cliIdentity, identity]);

  assert.deepEqual(parseRecipient(` ${recipient}\n`), bech32Decode(recipient).data);
  assert.equal(parseRecipient(recipient).length, 32);
});

test('bech32: BIP-173 vectors, no length limit, one case only', () => {
  for (const valid of ['A12UEL5L', 'a12uel5l', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw',
    'an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs']) {
    assert.doesNotThrow(() => bech32Decode(valid), valid);
  }
  // A bech32m checksum, a mixed-case string, a character outside the alphabet, a missing prefix.
  for (const invalid of ['a1lqfn3a', 'A12uEL5L', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxb', '1pzry9x0s0muk', 'x1b4n0q5v']) {
    assert.throws(() => bech32Decode(invalid), invalid);
  }
  const long = randomBytes(1200);
  const encoded = bech32Encode('age1pq', long);
  assert.ok(encoded.length > 90);
  assert.deepEqual(bech32Decode(encoded), { hrp: 'age1pq', data: long });
  assert.deepEqual(bech32Decode(bech32Encode('HRP', long, true)), { hrp: 'hrp', data: long });
});

test('malformed recipients and identities: stable codes, and no key material in the messages', () => {
  const { identity, recipient } = generateIdentity();
  const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'q' ? 'p' : 'q') + text.slice(at + 1);
  const badRecipients = [
    '', 'age1', flip(recipient, 20), recipient.slice(0, -1), recipient.slice(0, 10) + recipient.slice(10).toUpperCase(), identity,
    bech32Encode('age', randomBytes(31)), bech32Encode('age1pq', randomBytes(32)), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhearth',
    // The all-zero point: every shared secret with it is zero.
    bech32Encode('age', Buffer.alloc(32)),
  ];
  for (const bad of badRecipients) {
    assert.throws(() => parseRecipient(bad), isAgeError('age/invalid-recipient'), bad);
    assert.throws(() => createEncryptStream([recipient, bad]), isAgeError('age/invalid-recipient'), bad);
  }
  assert.throws(() => createEncryptStream([]), isAgeError('age/invalid-recipient'));
  assert.equal(parseRecipient(recipient.toUpperCase()).length, 32);

  const badIdentities = [
    flip(identity, 40), identity.slice(0, -1), identity.slice(0, 30) + identity.slice(30).toLowerCase(), recipient,
    bech32Encode('age-secret-key-', randomBytes(31), true), `${identity}x`,
  ];
  const secretPart = identity.slice(16, 60);
  for (const bad of badIdentities) {
    for (const attempt of [() => recipientOf(bad), () => createDecryptStream([bad]), () => parseIdentities(`# key\n\n${bad}\n`)]) {
      assert.throws(attempt, (error: unknown) => {
        isAgeError('age/invalid-identity')(error);
        const message = (error as Error).message + String((error as Error).stack);
        assert.ok(!message.includes(secretPart) && !message.includes(bad.slice(16, 40)), `the message shows the key: ${message}`);
        return true;
      });
    }
  }
  assert.throws(() => parseIdentities(`# key\n\n${flip(identity, 40)}\n`), /Line 3 /);
  assert.throws(() => parseIdentities('# only a comment\n\n'), isAgeError('age/invalid-identity'));
  assert.throws(() => createDecryptStream([]), isAgeError('age/invalid-identity'));
});

test('a file for someone else: age/no-identity-matched', async () => {
  const file = await encrypt(randomBytes(100), [generateIdentity().recipient, generateIdentity().recipient]);
  await assert.rejects(decrypt(file, [generateIdentity().identity, generateIdentity().identity]), isAgeError('age/no-identity-matched'));
});

test('every flipped bit of the header is refused, a damaged MAC or version line as age/corrupt', async () => {
  const { identity, recipient } = generateIdentity();
  const file = await encrypt(randomBytes(1000), [recipient]);
  const headerEnd = file.indexOf('\n---') + 49;
  const outcomes = new Set<string>();
  for (let at = 0; at < headerEnd; at++) {
    const damaged = Buffer.from(file);
    damaged[at]! ^= 1 << (at % 8);
    await assert.rejects(decrypt(damaged, [identity]), (error: unknown) => {
      assert.ok(error instanceof AgeError, String(error));
      outcomes.add(error.code);
      return true;
    });
  }
  // A damaged stanza can only be told from one for another identity: no-identity-matched, as age says;
  // X25519 turned into another type name: unsupported.
  assert.deepEqual([...outcomes].sort(), ['age/corrupt', 'age/no-identity-matched', 'age/unsupported']);
  for (const at of [0, 5, 10, headerEnd - 2, headerEnd - 20, headerEnd - 46]) {
    const damaged = Buffer.from(file);
    damaged[at]! ^= 0x02;
    await assert.rejects(decrypt(damaged, [identity]), isAgeError('age/corrupt'), `byte ${at}`);
  }
});

test('a damaged, truncated or extended payload is age/corrupt, and so is a file that is not age at all', async () => {
  const { identity, recipient } = generateIdentity();
  const plaintext = randomBytes(3 * CHUNK + 5);
  const file = await encrypt(plaintext, [recipient]);
  const payload = file.indexOf('\n---') + 49 + 16;
  const sealed = CHUNK + 16;
  const damagedAt = (at: number) => {
    const damaged = Buffer.from(file);
    damaged[at]! ^= 0x80;
    return damaged;
  };
  const cases: Record<string, Buffer> = {
    'the payload nonce': damagedAt(payload - 3),
    'the first chunk': damagedAt(payload),
    'a middle chunk': damagedAt(payload + sealed + 1000),
    'a tag': damagedAt(payload + 2 * sealed - 1),
    'the last chunk': damagedAt(file.length - 1),
    'cut inside the header': file.subarray(0, 40),
    'cut after the header': file.subarray(0, payload - 16),
    'cut inside the nonce': file.subarray(0, payload - 1),
    'cut after the nonce': file.subarray(0, payload),
    'cut after a full chunk': file.subarray(0, payload + 2 * sealed),
    'cut inside a chunk': file.subarray(0, payload + sealed + 17),
    'cut by one byte': file.subarray(0, file.length - 1),
    'one byte appended': Buffer.concat([file, Buffer.from([0])]),
    'a tag length appended': Buffer.concat([file, randomBytes(16)]),
    'a chunk appended': Buffer.concat([file, randomBytes(sealed)]),
    'chunks swapped': Buffer.concat([file.subarray(0, payload), file.subarray(payload + sealed, payload + 2 * sealed), file.subarray(payload, payload + sealed), file.subarray(payload + 2 * sealed)]),
    'empty input': Buffer.alloc(0),
    'random bytes': randomBytes(5000),
  };
  for (const [what, damaged] of Object.entries(cases)) {
    await assert.rejects(decrypt(damaged, [identity]), isAgeError('age/corrupt'), what);
  }
  assert.deepEqual(await decrypt(file, [identity]), plaintext);
});

test('garbage is refused from its first bytes, and an endless header at 1 MiB, without waiting for the end', async () => {
  const identities = [generateIdentity().identity];
  for (const start of [randomBytes(CHUNK), Buffer.from(`age-encryption.org/v1\n-> X25519 abc\n\0${'A'.repeat(CHUNK)}`)]) {
    const stream = createDecryptStream(identities);
    const failed = new Promise((resolve) => stream.on('error', resolve));
    stream.write(start);
    isAgeError('age/corrupt')(await failed);
  }
  const stream = createDecryptStream(identities);
  const failed = new Promise((resolve) => stream.on('error', resolve));
  const line = Buffer.from(`-> X25519 ${'A'.repeat(1000)}\n`);
  stream.write('age-encryption.org/v1\n');
  for (let i = 0; i < 1100 && !stream.destroyed; i++) stream.write(line);
  const error = await failed;
  isAgeError('age/corrupt')(error);
  assert.match((error as Error).message, /too long/);
});

test('passphrase files (age -p) are age/unsupported', async () => {
  const file = await passphraseFile;
  assert.match(file.toString('latin1'), /^age-encryption\.org\/v1\n-> scrypt /);
  await assert.rejects(decrypt(file, [generateIdentity().identity]), isAgeError('age/unsupported'));
});

// Files put together here from the spec, with node:crypto directly: the edge cases no encoder writes.
function craftFile(stanzas: Stanza[], fileKey: Buffer, chunks: { plaintext: Buffer; last: boolean }[]): Buffer {
  const nonce = randomBytes(16);
  const key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
  const sealedChunks = chunks.map(({ plaintext, last }, counter) => {
    const chunkNonce = Buffer.alloc(12);
    chunkNonce.writeUIntBE(counter, 5, 6);
    chunkNonce[11] = last ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce, { authTagLength: 16 });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  });
  return Buffer.concat([formatHeader(stanzas, fileKey), nonce, ...sealedChunks]);
}

test('crafted payloads: a full last chunk, an empty last chunk, a chunk flagged last too early', async () => {
  const { identity, recipient } = generateIdentity();
  const identityFile = tempFile(identity);
  const fileKey = randomBytes(16);
  const stanzas = [wrapFileKey(fileKey, parseRecipient(recipient))];
  const full = randomBytes(CHUNK);
  const cliAccepts = (file: Buffer) => spawnSync('age', ['-d', '-i', identityFile], { input: file }).status === 0;

  const fullLast = craftFile(stanzas, fileKey, [{ plaintext: full, last: false }, { plaintext: full, last: true }]);
  assert.ok(cliAccepts(fullLast));
  assert.deepEqual(await decrypt(fullLast, [identity]), Buffer.concat([full, full]));

  const emptyFile = craftFile(stanzas, fileKey, [{ plaintext: Buffer.alloc(0), last: true }]);
  assert.ok(cliAccepts(emptyFile));
  assert.deepEqual(await decrypt(emptyFile, [identity]), Buffer.alloc(0));

  const rejected = {
    'an empty last chunk after a full one': [{ plaintext: full, last: false }, { plaintext: Buffer.alloc(0), last: true }],
    'a full chunk not flagged last, then nothing': [{ plaintext: full, last: false }],
    'a short chunk not flagged last': [{ plaintext: full, last: false }, { plaintext: randomBytes(10), last: false }],
    'a chunk flagged last, then another': [{ plaintext: full, last: true }, { plaintext: randomBytes(10), last: true }],
  };
  for (const [what, chunks] of Object.entries(rejected)) {
    const file = craftFile(stanzas, fileKey, chunks);
    assert.ok(!cliAccepts(file), `the CLI accepts ${what}`);
    await assert.rejects(decrypt(file, [identity]), isAgeError('age/corrupt'), what);
  }
});

test('crafted headers: unknown stanzas are skipped, bodies of a whole number of lines end with an empty line', async () => {
  const { identity, recipient } = generateIdentity();
  const fileKey = randomBytes(16);
  const x25519 = wrapFileKey(fileKey, parseRecipient(recipient));
  const plaintext = randomBytes(1000);
  // 48 bytes are exactly one 64-column line, 96 two; an empty body is one empty line.
  const others: Stanza[] = [
    { args: ['example.com/one-line', 'a'], body: randomBytes(48) },
    { args: ['example.com/two-lines'], body: randomBytes(96) },
    { args: ['example.com/empty'], body: Buffer.alloc(0) },
  ];
  const file = craftFile([...others, x25519], fileKey, [{ plaintext, last: true }]);
  const lines = file.toString('latin1').split('\n');
  assert.deepEqual(lines.slice(1, 10).map((line) => (line.startsWith('->') ? '->' : line.length)), ['->', 64, 0, '->', 64, 64, 0, '->', 0]);
  assert.deepEqual(age(['-d', '-i', tempFile(identity)], file), plaintext);
  assert.deepEqual(await decrypt(file, [identity]), plaintext);

  const onlyOthers = craftFile(others, fileKey, [{ plaintext, last: true }]);
  await assert.rejects(decrypt(onlyOthers, [identity]), isAgeError('age/unsupported'));
  const scryptAndX25519 = craftFile([x25519, { args: ['scrypt', randomBytes(16).toString('base64').slice(0, 22), '18'], body: randomBytes(32) }], fileKey, [{ plaintext, last: true }]);
  await assert.rejects(decrypt(scryptAndX25519, [identity]), isAgeError('age/unsupported'));
  // An ephemeral share of all zeros makes every shared secret zero, which the spec says to refuse.
  const lowOrder = craftFile([{ args: ['X25519', 'A'.repeat(43)], body: randomBytes(32) }, x25519], fileKey, [{ plaintext, last: true }]);
  await assert.rejects(decrypt(lowOrder, [identity]), isAgeError('age/corrupt'));

  // Malformed headers with a valid MAC, which a lenient parser would accept: a second space, padding,
  // a 65-column line, no body line, CR, an extra argument, base64 with non-zero unused bits.
  const [version, argLine, body] = formatHeader([x25519], fileKey).toString('latin1').split('\n') as [string, string, string];
  const share = argLine.split(' ')[2]!;
  const nonCanonical = (text: string) => text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) + 1);
  const variants = [
    [version, argLine.replace(' ', '  '), body],
    [version, argLine, `${body}=`],
    [version, `${argLine}=`, body],
    [version, argLine, body + 'A'.repeat(65 - body.length)],
    [version, argLine],
    [version, `${argLine}\r`, body],
    [version, `${argLine} extra`, body],
    [version, argLine.replace(share, nonCanonical(share)), body],
    [version, argLine, nonCanonical(body)],
    [`${version} `, argLine, body],
  ];
  // Each variant's header gets the MAC the file key gives it, then the file's own payload.
  const payload = file.subarray(file.indexOf('\n---') + 49);
  const withMac = (lines: string[]) => {
    const text = `${lines.join('\n')}\n---`;
    const mac = createHmac('sha256', Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', 32))).update(text, 'latin1').digest();
    return Buffer.concat([Buffer.from(`${text} ${mac.toString('base64').replace(/=+$/, '')}\n`, 'latin1'), payload]);
  };
  for (const variant of variants) {
    await assert.rejects(decrypt(withMac(variant), [identity]), isAgeError('age/corrupt'), JSON.stringify(variant));
  }
  // The control: the same construction of a well-formed header decrypts.
  assert.deepEqual(await decrypt(withMac([version, argLine, body]), [identity]), plaintext);
});
