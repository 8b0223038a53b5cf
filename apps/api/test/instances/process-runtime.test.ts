import assert from 'node:assert/strict';
import { appendFile, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { RUNTIME_LAYOUT, type RunSpec } from '../../src/runtimes/runtime';
import { isAlive, makeBaseDir, waitFor } from './support';

// The process runtime with plain programs (sleep, sh, cat), where misbehaviour is easy to stage.
const root = process.getuid?.() === 0;
const runtime = new ProcessRuntime({ startSettleMs: 150 });
let base: Awaited<ReturnType<typeof makeBaseDir>>;
let counter = 0;

function spec(command: string, args: string[]): RunSpec {
  counter += 1;
  return { id: `t${counter}`, dir: join(base.dir, `t${counter}`), process: { command, args, env: {} } };
}

describe('process runtime', () => {
  const started: RunSpec[] = [];
  const run = async (command: string, args: string[]) => {
    const target = spec(command, args);
    started.push(target);
    return { target, status: await runtime.start(target) };
  };

  before(async () => {
    base = await makeBaseDir('runtime');
  });
  after(async () => {
    for (const target of started) await runtime.destroy(target).catch(() => undefined);
    await base.remove();
  });

  test('start() runs the program detached in its own group, records it, and is idempotent', async () => {
    const { target, status } = await run('sleep', ['300']);
    assert.equal(status.state, 'running');
    const procStat = await readFile(`/proc/${status.pid}/stat`, 'utf8');
    assert.equal(Number(procStat.slice(procStat.lastIndexOf(')') + 2).split(' ')[2]), status.pid, 'process group leader');
    if (root) assert.match(await readFile(`/proc/${status.pid}/status`, 'utf8'), /^Uid:\s+65534\s/m);
    assert.equal((await runtime.start(target)).pid, status.pid, 'no second process');
    const concurrent = await Promise.all([runtime.start(target), new ProcessRuntime().start(target), runtime.start(target)]);
    assert.deepEqual(concurrent.map((each) => each.pid), [status.pid, status.pid, status.pid]);
    assert.deepEqual(await runtime.processes(target), [status.pid]);
    const record = JSON.parse(await readFile(join(target.dir, RUNTIME_LAYOUT.pidFile), 'utf8'));
    assert.equal(record.pid, status.pid);
    if (root) {
      const dirInfo = await stat(target.dir);
      assert.equal(dirInfo.uid, 0, 'the instance directory stays root-owned');
      assert.equal(dirInfo.mode & 0o777, 0o711);
      assert.equal((await stat(join(target.dir, RUNTIME_LAYOUT.hearthDir))).mode & 0o777, 0o700);
      assert.equal((await stat(join(target.dir, RUNTIME_LAYOUT.homeDir))).uid, 65534);
    }
    await runtime.stop(target);
  });

  test('a pidfile naming a living process that is not ours is not believed', async () => {
    const { target, status } = await run('sleep', ['300']);
    await runtime.stop(target);
    const record = JSON.parse(await readFile(join(target.dir, RUNTIME_LAYOUT.pidFile), 'utf8').catch(() => '{}'));
    assert.deepEqual(record, {}, 'stop removes the pidfile');
    // A reused pid: this test's own process, with the start time and boot id of the old one.
    const forged = { pid: process.pid, startTicks: 12345, bootId: 'x', startedAt: new Date().toISOString(), command: 'sleep' };
    await writeFile(join(target.dir, RUNTIME_LAYOUT.pidFile), JSON.stringify(forged));
    assert.equal((await runtime.status(target)).state, 'stopped');
    const ownStat = await readFile('/proc/self/stat', 'utf8');
    const ownTicks = Number(ownStat.slice(ownStat.lastIndexOf(')') + 2).split(' ')[19]);
    await writeFile(join(target.dir, RUNTIME_LAYOUT.pidFile), JSON.stringify({ ...forged, startTicks: ownTicks }));
    assert.equal((await runtime.status(target)).state, 'stopped', 'another boot');
    assert.deepEqual(await runtime.stop(target), { wasRunning: false, forced: false });
    assert.ok(isAlive(process.pid));
    assert.equal(isAlive(status.pid!), false);
  });

  test('concurrent starts of a stopped instance within one Hearth process make one process', async () => {
    const target = spec('sleep', ['300']);
    started.push(target);
    const results = await Promise.all([runtime.start(target), runtime.start(target), runtime.start(target)]);
    assert.equal(new Set(results.map((each) => each.pid)).size, 1);
    assert.deepEqual(await runtime.processes(target), [results[0].pid]);
    await runtime.stop(target);
  });

  test('a program that exits at once fails start() with its output', async () => {
    await assert.rejects(run('sh', ['-c', 'echo "bad config line 3" >&2; exit 1']), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'runtime/start_failed');
      assert.match(error.message, /bad config line 3/);
      return true;
    });
    await assert.rejects(run('/nonexistent/server', []), { code: 'runtime/start_failed' });
  });

  test('stop() kills a server that ignores SIGTERM once the timeout is over', async () => {
    const { target, status } = await run('sh', ['-c', 'trap "" TERM; while :; do sleep 0.1; done']);
    const result = await runtime.stop(target, { timeoutMs: 500 });
    assert.deepEqual(result, { wasRunning: true, forced: true });
    assert.equal(isAlive(status.pid!), false);
    assert.deepEqual(await runtime.processes(target), []);
  });

  test('children that left the process group are ended too, also after the server was killed', async () => {
    const first = await run('sh', ['-c', 'setsid sleep 301 & exec sleep 300']);
    const firstFamily = await runtime.processes(first.target);
    assert.equal(firstFamily.length, 2, `server and its setsid child: ${firstFamily}`);
    await runtime.stop(first.target);
    for (const pid of firstFamily) assert.equal(isAlive(pid), false);

    const second = await run('sh', ['-c', 'setsid sleep 302 & exec sleep 300']);
    const [, orphan] = await runtime.processes(second.target);
    process.kill(second.status.pid!, 'SIGKILL');
    await waitFor(async () => (await runtime.status(second.target)).state === 'stopped', 3_000, 'the server to die');
    await waitFor(async () => (await runtime.processes(second.target)).includes(orphan), 3_000, 'the orphan to be recognised');
    await runtime.stop(second.target);
    await waitFor(() => !isAlive(orphan), 3_000, 'the orphan to be ended');
  });

  test('exec() runs as the instance user with stdin and env, never with Hearth\'s environment', async () => {
    const { target } = await run('sleep', ['300']);
    process.env.HEARTH_TEST_MASTER_KEY = 'must-not-leak';
    try {
      const echoed = await runtime.exec(target, 'cat', [], { stdin: 'secret via stdin' });
      assert.deepEqual(echoed, { code: 0, stdout: 'secret via stdin', stderr: '' });
      const env = await runtime.exec(target, 'sh', ['-c', 'id -u; pwd; env'], { env: { PASSWORD_FOR_TOOL: 'p' } });
      const [uid, cwd, ...vars] = env.stdout.trim().split('\n');
      if (root) assert.equal(uid, '65534');
      assert.equal(cwd, target.dir);
      assert.ok(vars.includes('PASSWORD_FOR_TOOL=p'));
      assert.ok(vars.includes(`HOME=${join(target.dir, RUNTIME_LAYOUT.homeDir)}`));
      assert.ok(!env.stdout.includes('must-not-leak'));
      assert.equal((await runtime.exec(target, 'sh', ['-c', 'exit 3'])).code, 3);
      const started = Date.now();
      await assert.rejects(runtime.exec(target, 'sleep', ['10'], { timeoutMs: 200 }), { code: 'runtime/exec_timeout' });
      assert.ok(Date.now() - started < 3_000);
    } finally {
      delete process.env.HEARTH_TEST_MASTER_KEY;
      await runtime.stop(target);
    }
  });

  test('writeFiles() stays inside the instance directory and refuses links', async () => {
    const target = spec('sleep', ['1']);
    started.push(target);
    await runtime.writeFiles(target, [
      { path: 'conf/server.cfg', content: 'one', mode: 0o640 },
      { path: 'data', directory: true },
    ]);
    await runtime.writeFiles(target, [{ path: 'conf/server.cfg', content: 'two', mode: 0o640 }]);
    assert.equal(await readFile(join(target.dir, 'conf/server.cfg'), 'utf8'), 'two');
    const info = await stat(join(target.dir, 'conf/server.cfg'));
    assert.equal(info.mode & 0o777, 0o640);
    if (root) assert.equal(info.uid, 65534);
    for (const path of ['../escape', '/etc/passwd', 'hearth/process.json', '.']) {
      await assert.rejects(runtime.writeFiles(target, [{ path, content: 'x' }]), { code: 'runtime/invalid_path' }, path);
    }
    await symlink('/etc', join(target.dir, 'linked'));
    await assert.rejects(runtime.writeFiles(target, [{ path: 'linked/evil', content: 'x' }]), { code: 'runtime/invalid_path' });
  });

  test('readLogTail() returns the last lines of the console log', async () => {
    const { target } = await run('sh', ['-c', 'for i in 1 2 3 4 5; do echo line $i; done; exec sleep 300']);
    await waitFor(async () => (await runtime.readLogTail(target, 2)).includes('line 5'), 2_000, 'output');
    assert.deepEqual(await runtime.readLogTail(target, 2), ['line 4', 'line 5']);
    await appendFile(join(target.dir, RUNTIME_LAYOUT.consoleLog), `${'x'.repeat(100)}\n`.repeat(5_000) + 'last\n');
    assert.deepEqual(await runtime.readLogTail(target, 1), ['last']);
    assert.equal((await runtime.readLogTail(target, 1000)).length, 1000);
    await runtime.stop(target);
  });
});
