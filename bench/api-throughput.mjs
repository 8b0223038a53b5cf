#!/usr/bin/env node
// API throughput: the built Hearth API against a bare Fastify server, both in this process,
// loaded from a worker thread so the load generator does not share the servers' event loop.
// Needs `npm run build` first, and PostgreSQL and Redis running (DATABASE_URL, REDIS_URL).
// Traffic goes to 127.0.0.1 only; every run is bounded in time and in request count.
//
//   node bench/api-throughput.mjs [--duration=5] [--concurrency=32] [--max-requests=300000] [--rounds=1]
import net from 'node:net';
import { loadavg } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { apiRequire, createBenchEnvironment, loadApi, ownerClient, sleep, startHearth } from './support/hearth.mjs';

const AUDIT_ROWS = 2_000;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const modules = loadApi();
  const Fastify = apiRequire('fastify');

  // Throw-away database, Redis prefix and data directory; removed at the end and on Ctrl-C.
  const env = await createBenchEnvironment();
  let baseline;
  env.defer('close the baseline', () => baseline?.close());
  try {
    const hearth = await startHearth(env, modules, { HEARTH_WORKER: 'off' });
    // On Ctrl-C the load stops first: Hearth closes its database pool before its HTTP server,
    // and requests still arriving then can hang, and its close with them.
    env.defer('stop the load generator', async () => {
      if (!loadWorker) return;
      await loadWorker.terminate();
      await sleep(500); // the requests already received finish
    });
    const hearthPort = hearth.port;
    const { token } = await ownerClient(hearth, modules);
    await seedAuditEvents(hearth.app.get(modules.PrismaService), AUDIT_ROWS);

    baseline = Fastify({ logger: false });
    baseline.get('/hello', async () => ({ hello: 'world' }));
    await baseline.listen({ host: '127.0.0.1', port: 0 });
    const baselinePort = baseline.server.address().port;

    const auth = { authorization: `Bearer ${token}` };
    const targets = [
      { name: 'baseline: bare Fastify GET /hello', port: baselinePort, path: '/hello', headers: {} },
      { name: 'GET /api/auth/me', port: hearthPort, path: '/api/auth/me', headers: auth },
      { name: 'GET /api/audit-events?perPage=25', port: hearthPort, path: '/api/audit-events?perPage=25', headers: auth },
    ];

    console.log(`Hearth API throughput — ${new Date().toISOString()}, Node ${process.version}, ` +
      `${options.duration} s per target after a 1 s warm-up, concurrency ${options.concurrency}, ` +
      `${options.rounds} round(s), audit table seeded with ${AUDIT_ROWS} events, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    for (const target of targets) await runInWorker({ ...target, ...options, duration: 1 });
    // Rounds take turns over the targets, so that a change in the machine's other load
    // affects the baseline and Hearth alike; the median round of each target is reported.
    const rounds = targets.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, target] of targets.entries()) rounds[i].push(await runInWorker({ ...target, ...options }));
    }
    printTable(targets.map((target, i) => ({ ...target, ...median(rounds[i]) })));
    console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await env.cleanUp();
  }
}

function parseArgs(argv) {
  const options = { duration: 5, concurrency: 32, maxRequests: 300_000, rounds: 1 };
  for (const arg of argv) {
    const match = /^--(duration|concurrency|max-requests|rounds)=(\d+)$/.exec(arg);
    if (!match) {
      console.error(`Unknown argument ${arg}. Usage: node bench/api-throughput.mjs [--duration=5] [--concurrency=32] [--max-requests=300000] [--rounds=1]`);
      process.exit(2);
    }
    const key = match[1] === 'max-requests' ? 'maxRequests' : match[1];
    options[key] = Math.max(1, Number(match[2]));
  }
  // Keeps an accidental --duration=100000 from turning into a soak test.
  options.duration = Math.min(options.duration, 60);
  options.concurrency = Math.min(options.concurrency, 256);
  options.rounds = Math.min(options.rounds, 5);
  return options;
}

/** The round with the median throughput; failures of every round are kept. */
function median(results) {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  return { ...middle, errors: sum('errors'), non2xx: sum('non2xx') };
}

/** One INSERT ... SELECT: createMany would spend seconds building 2,000 rows' parameters. */
async function seedAuditEvents(prisma, count) {
  await prisma.$executeRaw`
    INSERT INTO "AuditEvent" (id, at, "actorKind", "actorEmail", action, "targetType", "targetId", result, "statusCode", detail, "requestId")
    SELECT gen_random_uuid(), now() - g * interval '1 minute', 'operator', 'bench-owner@hearth.local',
           CASE WHEN g % 3 = 0 THEN 'token.create' ELSE 'operator.update' END, 'operator', 'bench-' || g,
           'success'::"AuditResult", 200, jsonb_build_object('body', jsonb_build_object('displayName', 'Bench ' || g)), 'bench-' || g
    FROM generate_series(1, ${count}) AS g`;
}

/** The load generator's thread while it runs. */
let loadWorker;

function runInWorker(job) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    loadWorker = worker;
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load generator stopped (exit code ${code})`)));
  });
}

/**
 * The load generator (runs in a worker thread): `concurrency` keep-alive connections, each
 * sending one request at a time until the time or the request cap runs out. It speaks raw
 * HTTP/1.1 over sockets, as autocannon does: node's http client costs more CPU per request
 * than a bare Fastify route and would otherwise be what the baseline measures.
 */
async function load({ port, path, headers, duration, concurrency, maxRequests }) {
  const head = Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const raw = Buffer.from(`GET ${path} HTTP/1.1\r\n${head}\r\n`);
  const latenciesUs = [];
  let sent = 0;
  let errors = 0;
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + duration * 1000;
  const more = () => performance.now() < deadline && sent < maxRequests;

  const connection = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const parser = new ResponseParser();
      let t0 = 0;
      const send = () => {
        sent++;
        t0 = performance.now();
        socket.write(raw);
      };
      socket.setNoDelay(true);
      socket.on('connect', () => (more() ? send() : socket.end()));
      socket.on('data', (chunk) => {
        for (const status of parser.push(chunk)) {
          latenciesUs.push(Math.round((performance.now() - t0) * 1000));
          if (status < 200 || status >= 300) non2xx++;
          if (more()) send();
          else socket.end();
        }
      });
      socket.on('error', () => errors++);
      socket.on('close', () => resolve());
    });

  // A connection the server closed early is replaced while there is time left.
  const lane = async () => {
    while (more()) await connection();
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsedS = (performance.now() - started) / 1000;
  latenciesUs.sort((a, b) => a - b);
  const pick = (q) => (latenciesUs.length ? latenciesUs[Math.min(latenciesUs.length - 1, Math.floor(q * latenciesUs.length))] / 1000 : NaN);
  return { requests: latenciesUs.length, errors, non2xx, elapsedS, rps: latenciesUs.length / elapsedS, p50: pick(0.5), p99: pick(0.99) };
}

/** Just enough of HTTP/1.1 to find where each response ends: Content-Length or chunked bodies. */
class ResponseParser {
  buffer = Buffer.alloc(0);

  /** Returns the status codes of the responses completed by this chunk. */
  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const done = [];
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return done;
      const head = this.buffer.subarray(0, headEnd).toString('latin1');
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      let end;
      if (length) {
        end = headEnd + 4 + Number(length[1]);
        if (this.buffer.length < end) return done;
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        end = chunkedEnd(this.buffer, headEnd + 4);
        if (end < 0) return done;
      } else {
        end = headEnd + 4;
      }
      done.push(status);
      this.buffer = this.buffer.subarray(end);
    }
  }
}

function chunkedEnd(buffer, offset) {
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0) return -1;
    const size = parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16);
    const next = lineEnd + 2 + size + 2;
    if (buffer.length < next) return -1;
    if (size === 0) return next;
    offset = next;
  }
}

function printTable(results) {
  const base = results[0].rps;
  const rows = results.map((r) => [
    r.name,
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    `${((r.rps / base) * 100).toFixed(1)} %`,
    String(r.requests),
    String(r.errors + r.non2xx),
  ]);
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'requests', 'errors/non-2xx'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const failed = results.filter((r) => r.errors || r.non2xx);
  if (failed.length) {
    console.error(`\nSome requests failed (${failed.map((r) => r.name).join(', ')}): the figures above are not comparable.`);
    process.exitCode = 1;
  }
}

// Last, so that every declaration above is initialised: the same file is the worker thread.
if (isMainThread) {
  await main();
} else {
  parentPort.postMessage(await load(workerData));
}
