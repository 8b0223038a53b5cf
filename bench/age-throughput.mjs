#!/usr/bin/env node
// age throughput: encrypting and decrypting in memory through Hearth's age streams, against
// node:crypto's bare ChaCha20-Poly1305 on the same data, so the ratio shows what the format and
// the streams cost on top of the cipher. Needs the API compiled: `npm run build` (apps/api/dist),
// or the test build (apps/api/dist-test). Touches no disk, network or database.
//
//   node bench/age-throughput.mjs [--mib=512] [--rounds=3]
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiRequire } from './support/hearth.mjs';

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;
// Pieces of the size Hearth's tar writer reads files in; the ciphertext's do not line up with its chunks.
const PIECE = MIB;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { age, from } = loadAge();
  const { identity, recipient } = age.generateIdentity();
  // Random data repeated: the cipher's speed does not depend on it, and 512 MiB of randomBytes would take longer than the runs.
  const block = randomBytes(64 * MIB);
  const plaintext = Buffer.alloc(options.mib * MIB);
  for (let offset = 0; offset < plaintext.length; offset += block.length) block.copy(plaintext, offset);
  const key = randomBytes(32);

  console.log(`age throughput — ${new Date().toISOString()}, Node ${process.version}, OpenSSL ${process.versions.openssl}, ` +
    `${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${options.mib} MiB in ${PIECE / MIB} MiB pieces, ` +
    `median of ${options.rounds} round(s) after one to warm up, age modules from apps/api/${from}, load average ${loadAverage()}\n`);

  // What the decrypting rows read is made once, outside the timing.
  const ciphertext = Buffer.concat(await throughStream(age.createEncryptStream([recipient]), plaintext, true));
  const rawSealed = rawEncryptChunks(key, plaintext, true);
  const rows = [
    { name: 'encrypt: node:crypto, one cipher for all', run: () => rawOneCipher(key, plaintext) },
    { name: 'encrypt: node:crypto, one cipher per 64 KiB chunk', run: () => rawEncryptChunks(key, plaintext, false) },
    { name: 'encrypt: createEncryptStream', run: () => throughStream(age.createEncryptStream([recipient]), plaintext, false) },
    { name: 'decrypt: node:crypto, one decipher per 64 KiB chunk', run: () => rawDecryptChunks(key, rawSealed) },
    { name: 'decrypt: createDecryptStream', run: () => throughStream(age.createDecryptStream([identity]), ciphertext, false) },
  ];
  for (const row of rows) Object.assign(row, { seconds: [], cpuSeconds: [] });
  // Round 0 warms up (JIT, first-touch page faults) and is not counted. Rows take turns in each
  // round, so that a change in the machine's other load weighs on all of them alike.
  for (let round = 0; round <= options.rounds; round++) {
    for (const row of rows) {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      await row.run();
      const { user, system } = process.cpuUsage(cpu);
      if (round > 0) {
        row.seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
        row.cpuSeconds.push((user + system) / 1e6);
      }
    }
  }
  const decrypted = Buffer.concat(await throughStream(age.createDecryptStream([identity]), ciphertext, true));
  if (!decrypted.equals(plaintext)) throw new Error('the streams did not round-trip the data');

  // Wall time, and CPU time (user + system, all threads): on a shared machine the second is the
  // steadier figure of what a core does.
  const perSecond = (row, key) => options.mib / median(row[key]);
  const baselines = { encrypt: rows[1], decrypt: rows[3] };
  console.log('| operation | MiB/s (wall) | vs per-chunk node:crypto | MiB per CPU-second | vs per-chunk node:crypto |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const baseline = baselines[row.name.split(':')[0]];
    const figures = ['seconds', 'cpuSeconds'].map((key) => {
      const ratio = perSecond(row, key) / perSecond(baseline, key);
      return `${perSecond(row, key).toFixed(0)} | ${(100 * ratio).toFixed(0)} %`;
    });
    console.log(`| ${row.name} | ${figures.join(' | ')} |`);
  }
  console.log(`\nload average after: ${loadAverage()}`);
}

function loadAge() {
  for (const from of ['dist/backups/age/index.js', 'dist-test/src/backups/age/index.js']) {
    try {
      return { age: apiRequire(`./${from}`), from };
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  console.error('The age modules are not built: run `npm run build` first.');
  process.exit(1);
}

/** The input in PIECE-sized views, through the stream; answers the output's chunks with `keep`, else drops them. */
async function throughStream(transform, input, keep) {
  const output = [];
  await pipeline(
    Readable.from(pieces(input)),
    transform,
    new Writable({
      write(chunk, _encoding, done) {
        if (keep) output.push(chunk);
        done();
      },
    }),
  );
  return output;
}

function* pieces(buffer) {
  for (let offset = 0; offset < buffer.length; offset += PIECE) yield buffer.subarray(offset, offset + PIECE);
}

function rawOneCipher(key, plaintext) {
  const cipher = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  for (const piece of pieces(plaintext)) cipher.update(piece);
  cipher.final();
  cipher.getAuthTag();
}

/** Like the streams, it drops what it made unless asked to `keep` it: holding 512 MiB would slow it down. */
function rawEncryptChunks(key, plaintext, keep) {
  const sealed = [];
  for (let counter = 0, offset = 0; offset < plaintext.length; counter++, offset += CHUNK) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce(counter), { authTagLength: 16 });
    const ciphertext = cipher.update(plaintext.subarray(offset, offset + CHUNK));
    cipher.final();
    if (keep) sealed.push({ ciphertext, tag: cipher.getAuthTag() });
  }
  return sealed;
}

function rawDecryptChunks(key, sealed) {
  for (const [counter, { ciphertext, tag }] of sealed.entries()) {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce(counter), { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.update(ciphertext);
    decipher.final();
  }
}

function nonce(counter) {
  const bytes = Buffer.alloc(12);
  bytes.writeUIntBE(counter, 5, 6);
  return bytes;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function loadAverage() {
  return loadavg().map((load) => load.toFixed(2)).join(' ');
}

function parseArgs(argv) {
  const options = { mib: 512, rounds: 3 };
  for (const arg of argv) {
    const match = /^--(mib|rounds)=(\d+)$/.exec(arg);
    if (!match) {
      console.error(`Unknown argument ${arg}. Usage: node bench/age-throughput.mjs [--mib=512] [--rounds=3]`);
      process.exit(2);
    }
    options[match[1]] = Math.max(1, Number(match[2]));
  }
  // Plaintext, ciphertext and the decrypted copy are all held in memory.
  options.mib = Math.min(options.mib, 2048);
  options.rounds = Math.min(options.rounds, 10);
  return options;
}

await main();
