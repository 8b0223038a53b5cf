// `npm test`: prerequisites, then every workspace's tests through turbo, then one total line.
import { spawn, spawnSync } from 'node:child_process';

const prereqs = spawnSync('bash', ['scripts/ensure-test-deps.sh'], { stdio: 'inherit' });
if (prereqs.status !== 0) process.exit(prereqs.status ?? 1);

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };
const turbo = spawn('npx', ['turbo', 'run', 'test', '--concurrency=1', '--log-order=stream', ...process.argv.slice(2)], { env, stdio: ['ignore', 'pipe', 'inherit'] });

const totals = { pass: 0, fail: 0, skipped: 0 };
let pending = '';
turbo.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    // node:test's summary lines, e.g. "@hearth/api:test: # pass 42".
    const match = /# (pass|fail|skipped) (\d+)\s*$/.exec(line);
    if (match) totals[match[1]] += Number(match[2]);
  }
});

turbo.on('close', (code) => {
  process.stdout.write(`\nall workspaces: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`);
  process.exit(code ?? 1);
});
