import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import { allocatePorts, canBind } from '../../src/runtimes/ports';
import { DEFAULT_RESTART_POLICY, decideRestart } from '../../src/runtimes/restart-policy';

const RANGE = { first: 25600, last: 25699 };

describe('port allocator', () => {
  const servers: Server[] = [];
  after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  function occupy(port: number): Promise<void> {
    const server = createServer();
    servers.push(server);
    return new Promise((resolve) => server.listen({ host: '127.0.0.1', port }, resolve));
  }

  test('hands out the lowest free ports, skipping taken ones and ones in use', async () => {
    await occupy(RANGE.first + 1);
    const ports = await allocatePorts(
      [
        { name: 'client', host: '127.0.0.1' },
        { name: 'http', host: '127.0.0.1' },
        { name: 'dist', host: '127.0.0.1' },
      ],
      { taken: new Set([RANGE.first + 2]), range: RANGE },
    );
    assert.deepEqual(ports, { client: RANGE.first, http: RANGE.first + 3, dist: RANGE.first + 4 });
  });

  test('is deterministic and never repeats a port it already gave', async () => {
    const requests = [{ name: 'client', host: '127.0.0.1' }, { name: 'http', host: '127.0.0.1' }];
    const first = await allocatePorts(requests, { taken: new Set(), range: RANGE });
    assert.deepEqual(await allocatePorts(requests, { taken: new Set(), range: RANGE }), first);
    const second = await allocatePorts(requests, { taken: new Set(Object.values(first)), range: RANGE });
    for (const port of Object.values(second)) assert.ok(!Object.values(first).includes(port));
  });

  test('reports an exhausted range and refuses bad input', async () => {
    const range = { first: RANGE.last - 1, last: RANGE.last };
    await assert.rejects(
      allocatePorts([{ name: 'a', host: '127.0.0.1' }, { name: 'b', host: '127.0.0.1' }, { name: 'c', host: '127.0.0.1' }], { taken: new Set(), range }),
      { code: 'runtime/ports_exhausted' },
    );
    await assert.rejects(allocatePorts([{ name: 'a', host: '127.0.0.1' }], { taken: new Set(), range: { first: 10, last: 5 } }), RangeError);
    await assert.rejects(allocatePorts([{ name: 'a', host: '127.0.0.1' }, { name: 'a', host: '127.0.0.1' }], { taken: new Set(), range: RANGE }), RangeError);
  });

  test('canBind sees a port bound on the wildcard address as busy', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen({ host: '0.0.0.0', port: RANGE.first + 50 }, resolve));
    assert.equal(await canBind('127.0.0.1', RANGE.first + 50), false);
    assert.equal(await canBind('127.0.0.1', RANGE.first + 51), true);
  });
});

describe('restart policy', () => {
  const policy = { baseDelayMs: 1_000, maxDelayMs: 10_000, maxCrashes: 5, windowMs: 60_000 };
  const now = 1_000_000;

  test('backs off exponentially with each crash in the window, up to the maximum', () => {
    assert.deepEqual(decideRestart([now], now, policy), { action: 'restart', delayMs: 1_000, attempt: 1 });
    assert.deepEqual(decideRestart([now - 2_000, now], now, policy), { action: 'restart', delayMs: 2_000, attempt: 2 });
    assert.deepEqual(decideRestart([now - 3_000, now - 2_000, now], now, policy), { action: 'restart', delayMs: 4_000, attempt: 3 });
    const generous = { ...policy, maxCrashes: 50 };
    const many = Array.from({ length: 10 }, (_, index) => now - index * 1_000);
    assert.deepEqual(decideRestart(many, now, generous), { action: 'restart', delayMs: 10_000, attempt: 10 });
  });

  test('gives up after maxCrashes within the window', () => {
    const crashes = [now - 40_000, now - 30_000, now - 20_000, now - 10_000, now];
    assert.deepEqual(decideRestart(crashes, now, policy), { action: 'give-up', crashes: 5, windowMs: 60_000 });
  });

  test('forgets crashes older than the window (and ignores ones in the future)', () => {
    const crashes = [now - 600_000, now - 500_000, now - 400_000, now - 300_000, now + 5_000, now];
    assert.deepEqual(decideRestart(crashes, now, policy), { action: 'restart', delayMs: 1_000, attempt: 1 });
  });

  test('has sane defaults', () => {
    assert.equal(decideRestart([now], now).action, 'restart');
    const loop = Array.from({ length: DEFAULT_RESTART_POLICY.maxCrashes }, (_, index) => now - index * 1_000);
    assert.equal(decideRestart(loop, now).action, 'give-up');
  });
});
