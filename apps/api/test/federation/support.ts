import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Instance, InstanceFederation } from '@hearth/contracts';
import type { FederationPolicy } from '../../src/drivers/driver';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, type TestContext, bearer, useTestContext } from '../support/context';
import { isAlive, listeningAddresses } from '../instances/support';
import { type JobBody, assertSucceeded, settled, startInstancesApp } from '../instances-api/support';

export const RECONFIGURE = ['apply-settings', 'write-config', 'prepare', 'stop', 'start', 'wait-healthy', 'verify'];
const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];

/** One API app and one instance of `kind` in it, with an admin and a viewer session; the server is killed at the end whatever happened. */
export interface Fixture {
  readonly context: TestContext;
  app: TestApp;
  admin: string;
  viewer: string;
  instance: Instance;
}

export interface FixtureOptions {
  readonly env?: Record<string, string>;
  readonly provisionTimeoutMs?: number;
  /** Runs first (e.g. getting Synapse's root filesystem); the file has one `before` hook, this one. */
  readonly prepare?: () => Promise<unknown>;
  /** Why the file's tests are skipped, if they are: then nothing is set up either. */
  readonly skip?: string | false;
}

export function useFixture(kind: Instance['kind'], portRange: string, options: FixtureOptions = {}): Fixture {
  const { env = {}, provisionTimeoutMs = 60_000, prepare, skip } = options;
  const fixture = { context: useTestContext() } as Fixture;
  before(async () => {
    if (skip) return;
    await prepare?.();
    fixture.app = await startInstancesApp(fixture.context, portRange, env);
    fixture.admin = await fixture.app.sessionFor((await fixture.app.createOperator('admin')).id);
    fixture.viewer = await fixture.app.sessionFor((await fixture.app.createOperator('viewer')).id);
    // Hourly checks: none runs by itself during a restart of the test.
    const created = await fixture.app.http().post('/api/instances').set(bearer(fixture.admin)).send({ name: `${kind}-fed`, kind, domain: `${kind}.home.test`, healthIntervalSec: 3600 });
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(fixture.app, fixture.viewer, created.body.jobId, provisionTimeoutMs), BRING_UP);
    fixture.instance = (await fixture.app.http().get(`/api/instances/${created.body.id}`).set(bearer(fixture.viewer))).body as Instance;
    fixture.context.onCleanup(async () => {
      const row = await fixture.app.prisma.instance.findUnique({ where: { id: fixture.instance.id } });
      if (row) await fixture.app.get(HomeserverHost).runtime(row.runtime).destroy(fixture.app.get(HomeserverHost).spec(row));
    });
  });
  return fixture;
}

export async function federation(fixture: Fixture): Promise<InstanceFederation> {
  const response = await fixture.app.http().get(`/api/instances/${fixture.instance.id}/federation`).set(bearer(fixture.viewer));
  assert.equal(response.status, 200, response.text);
  return response.body as InstanceFederation;
}

/** PUT the policy; answers the finished job and how long it took from the request. */
export async function apply(fixture: Fixture, policy: FederationPolicy & { reason?: string }): Promise<{ job: JobBody; ms: number }> {
  const started = performance.now();
  const response = await fixture.app.http().put(`/api/instances/${fixture.instance.id}/federation`).set(bearer(fixture.admin)).send(policy);
  assert.equal(response.status, 202, response.text);
  assert.deepEqual(Object.keys(response.body).sort(), ['id', 'jobId']);
  const job = await settled(fixture.app, fixture.viewer, response.body.jobId, 120_000);
  return { job, ms: Math.round(performance.now() - started) };
}

export async function row(fixture: Fixture) {
  return fixture.app.prisma.instance.findUniqueOrThrow({ where: { id: fixture.instance.id } });
}

export async function serverPid(fixture: Fixture): Promise<number | undefined> {
  const host = fixture.app.get(HomeserverHost);
  const instance = await row(fixture);
  return (await host.runtime(instance.runtime).status(host.spec(instance))).pid;
}

/** Edits one of the instance's config files the way someone on the host would, then restarts the server through the runtime (no job, no new render). */
export async function editBehindHearthsBack(fixture: Fixture, file: string, edit: (text: string) => string): Promise<void> {
  const instance = await row(fixture);
  const path = join(instance.dir, file);
  const before = await readFile(path, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit changes ${file}`);
  await writeFile(path, after);
  const host = fixture.app.get(HomeserverHost);
  const { driver, context } = host.context(instance);
  await context.runtime.stop(context.spec);
  await context.runtime.start({ ...context.spec, process: (await driver.render(context.spec, context.secrets)).process });
}

/** A listener on the port, so the server can't bind it. */
export function occupy(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Logs in with a real XMPP client, sends a message to a user of each remote domain and answers,
 * per domain, the error condition the server bounced: not-allowed or forbidden (policy), or
 * remote-server-not-found (the server tried: these test domains are not in the DNS).
 */
export async function bounces(port: number, domain: string, username: string, password: string, remoteDomains: readonly string[]): Promise<Record<string, string>> {
  const { client, xml } = await import('@xmpp/client');
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain, username, password, resource: 'federation-test' });
  xmpp.reconnect.stop();
  xmpp.on('error', () => undefined);
  // As in goOnline (../instances/support.ts): @xmpp/connection 0.14 throws when data arrives after its parser is gone (xmpp.js issue 860).
  const connection = xmpp as unknown as { parser: unknown; _onData(data: Buffer): void };
  const onData = connection._onData;
  connection._onData = function (this: typeof connection, data: Buffer) {
    if (this.parser) onData.call(this, data);
  };
  const found: Record<string, string> = {};
  const all = new Promise<void>((resolve) => {
    xmpp.on('stanza', (stanza: { attrs: Record<string, string>; getChild(name: string): { children: { name?: string }[] } | undefined }) => {
      if (stanza.attrs.type !== 'error') return;
      const remote = stanza.attrs.from?.split('@')[1];
      const condition = stanza.getChild('error')?.children.find((child) => child.name && child.name !== 'text')?.name;
      if (remote && condition) found[remote] = condition;
      if (remoteDomains.every((remoteDomain) => found[remoteDomain])) resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await xmpp.start();
    for (const remote of remoteDomains) await xmpp.send(xml('message', { to: `someone@${remote}`, type: 'chat' }, xml('body', {}, 'hello')));
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
    return found;
  } finally {
    clearTimeout(timer);
    await xmpp.stop().catch(() => undefined);
  }
}

export interface XmppExpectations {
  /** The list mode to apply where the server has one; otherwise open. */
  readonly listMode: 'allowlist' | 'open';
  /** The condition a message to a remote server bounces with when federation is closed. */
  readonly closed: string;
  /** ... and when the policy refuses that server. */
  readonly refused: string;
  /** Edits the rendered config so that the server federates again although Hearth wants it closed. */
  readonly drift: { readonly file: string; readonly edit: (text: string) => string };
  readonly unsupported: readonly FederationPolicy['mode'][];
}

/**
 * Federation policies on a real XMPP server through the REST API: applied by the reconfigure
 * job and read back from the running server, checked with a real client's bounces; drift made
 * behind Hearth's back; and a policy the server can't take (its s2s port is taken) rolled back.
 */
export function xmppFederationThroughTheApi(kind: 'prosody' | 'ejabberd', range: { first: number; last: number }, expect: XmppExpectations): void {
  const fixture = useFixture(kind, `${range.first}-${range.last}`);
  const password = `pw ${randomBytes(9).toString('base64url')}`;
  fixture.context.secrets.add(password);
  const friend = 'friends.test';
  const stranger = 'strangers.test';
  const timings: string[] = [];
  const bounced = async () => bounces(Number(fixture.instance.endpoints.client!.split(':')[1]), fixture.instance.domain, 'alice', password, [friend, stranger]);

  describe(`${kind}: federation policy through the REST API`, () => {
    test('a new instance is closed and reads back closed; messages to other servers bounce', async () => {
      const host = fixture.app.get(HomeserverHost);
      const { driver, context } = host.context(await row(fixture));
      await driver.createUser(context, 'alice', password);
      const read = await federation(fixture);
      assert.deepEqual({ ...read, detail: undefined }, {
        wanted: { mode: 'closed', domains: [] },
        effective: { mode: 'closed', domains: [] },
        status: 'ok',
        detail: undefined,
        modes: [...(driver.federationModes ?? [])],
        listener: null,
      });
      assert.deepEqual(await bounced(), { [friend]: expect.closed, [stranger]: expect.closed });
    });

    test(`${expect.listMode} is applied by a job, read back from the server, and enforced`, async () => {
      const pid = await serverPid(fixture);
      const domains = expect.listMode === 'allowlist' ? [friend] : [];
      const { job, ms } = await apply(fixture, { mode: expect.listMode, domains, reason: 'visiting the cousins' });
      timings.push(`${expect.listMode}: ${ms} ms`);
      assertSucceeded(job, RECONFIGURE);
      assert.equal(job.type, 'instance.reconfigure');
      assert.notEqual(await serverPid(fixture), pid, 'restarted');

      const read = await federation(fixture);
      assert.equal(read.status, 'ok', read.detail);
      assert.deepEqual(read.wanted, { mode: expect.listMode, domains });
      assert.deepEqual(read.effective, read.wanted);
      // The s2s port, allocated now (the instance was created closed), listens on the instance's address.
      const instance = await row(fixture);
      const port = (instance.ports as Record<string, number>).s2s;
      assert.ok(port >= range.first && port <= range.last, `s2s port ${port} in the range`);
      assert.equal(read.listener, `127.0.0.1:${port}`);
      assert.deepEqual(await listeningAddresses(port), ['127.0.0.1']);
      assert.equal((await fixture.app.prisma.instancePort.findUniqueOrThrow({ where: { port } })).name, 's2s');
      assert.equal(instance.status, 'running');

      const bouncedNow = await bounced();
      assert.equal(bouncedNow[friend], 'remote-server-not-found', 'a connection to the friend was tried');
      assert.equal(bouncedNow[stranger], expect.listMode === 'allowlist' ? expect.refused : 'remote-server-not-found');

      const audit = await lastAudit(fixture.app, 'instance.federation');
      assert.equal(audit.reason, 'visiting the cousins');
      assert.equal(audit.targetId, fixture.instance.id);
      assert.deepEqual(audit.detail, { mode: expect.listMode, domains, jobId: job.id });
      const run = await fixture.app.prisma.jobRun.findUniqueOrThrow({ where: { id: job.id } });
      assert.deepEqual(run.payload, { instanceId: fixture.instance.id, settings: { federation: { mode: expect.listMode, domains } }, previous: {} });
    });

    test('closed again: no s2s listener, the port stays reserved, messages bounce', async () => {
      const port = ((await row(fixture)).ports as Record<string, number>).s2s;
      const { job, ms } = await apply(fixture, { mode: 'closed', domains: [] });
      timings.push(`closed: ${ms} ms`);
      assertSucceeded(job, RECONFIGURE);
      const read = await federation(fixture);
      assert.equal(read.status, 'ok', read.detail);
      assert.deepEqual(read.effective, { mode: 'closed', domains: [] });
      assert.equal(read.listener, null);
      assert.deepEqual(await listeningAddresses(port), []);
      assert.equal(((await row(fixture)).ports as Record<string, number>).s2s, port);
      assert.deepEqual(await bounced(), { [friend]: expect.closed, [stranger]: expect.closed });
    });

    test('policies the server cannot enforce, or that make no sense, are refused before any job', async () => {
      const runs = await fixture.app.prisma.jobRun.count();
      const put = (token: string, body: Record<string, unknown>) => fixture.app.http().put(`/api/instances/${fixture.instance.id}/federation`).set(bearer(token)).send(body);
      const refused: [string, Record<string, unknown>, number, string][] = [
        ...expect.unsupported.map((mode): [string, Record<string, unknown>, number, string] => [fixture.admin, { mode, domains: [friend] }, 409, 'capability/unsupported']),
        [fixture.admin, { mode: 'allowlist', domains: [] }, 400, 'request/invalid'],
        [fixture.admin, { mode: 'open', domains: [friend] }, 400, 'request/invalid'],
        [fixture.admin, { mode: 'closed', domains: ['not a domain'] }, 400, 'request/invalid'],
        [fixture.viewer, { mode: 'closed' }, 403, 'auth/forbidden'],
      ];
      if (kind === 'ejabberd') refused.push([fixture.admin, { mode: 'allowlist', domains: [fixture.instance.domain] }, 400, 'instance/settings_invalid']);
      for (const [token, body, status, code] of refused) {
        const response = await put(token, body);
        assert.equal(response.status, status, `${JSON.stringify(body)}: ${response.text}`);
        assert.equal(response.body.code, code, JSON.stringify(body));
      }
      assert.equal(await fixture.app.prisma.jobRun.count(), runs, 'no job was queued');
      assert.equal((await federation(fixture)).status, 'ok');
    });

    test('a change made behind Hearth\'s back shows as drift; applying the policy again repairs it', async () => {
      await editBehindHearthsBack(fixture, expect.drift.file, expect.drift.edit);
      const host = fixture.app.get(HomeserverHost);
      const { driver, context } = host.context(await row(fixture));
      await waitHealthy(driver, context);
      const drifted = await federation(fixture);
      assert.equal(drifted.status, 'drift', JSON.stringify(drifted));
      assert.deepEqual(drifted.wanted, { mode: 'closed', domains: [] });
      assert.equal(drifted.effective, null);
      assert.match(drifted.detail, /Outgoing only/);

      assertSucceeded((await apply(fixture, { mode: 'closed', domains: [] })).job, RECONFIGURE);
      assert.equal((await federation(fixture)).status, 'ok');
    });

    test('a policy the server cannot take (its s2s port is taken) is rolled back: the server ends healthy on its old config', async () => {
      const port = ((await row(fixture)).ports as Record<string, number>).s2s;
      const before = await serverPid(fixture);
      const blocker = await occupy(port);
      try {
        const domains = expect.listMode === 'allowlist' ? [friend] : [];
        const { job, ms } = await apply(fixture, { mode: expect.listMode, domains });
        timings.push(`rolled back: ${ms} ms`);
        assert.equal(job.status, 'failed', JSON.stringify(job));
        assert.match(job.error ?? '', /failed: .*The previous settings are back, and the server runs on them again$/s);
        assert.deepEqual(job.steps.find((step) => step.status === 'failed')?.name, kind === 'ejabberd' ? 'wait-healthy' : 'verify');
      } finally {
        blocker.close();
      }
      const instance = await row(fixture);
      assert.equal(instance.status, 'running', instance.statusReason ?? '');
      assert.match(instance.statusReason ?? '', /^Settings change undone: /);
      assert.deepEqual(instance.settings, { federation: { mode: 'closed', domains: [] } });
      const pid = await serverPid(fixture);
      assert.ok(pid && isAlive(pid) && pid !== before, 'restarted on the old config');
      const read = await federation(fixture);
      assert.equal(read.status, 'ok', read.detail);
      assert.deepEqual(read.effective, { mode: 'closed', domains: [] });
      assert.deepEqual(await bounced(), { [friend]: expect.closed, [stranger]: expect.closed });
      const undone = await fixture.app.prisma.instanceEvent.findFirst({ where: { instanceId: fixture.instance.id, type: 'action', reason: { startsWith: 'Settings change undone' } } });
      assert.ok(undone, 'the instance events keep the reason');
    });

    test('every request left its audit event, without secrets', async () => {
      await assertAuditTrailComplete(fixture.app, fixture.context);
      console.log(`${kind} federation jobs: ${timings.join(', ')}`);
    });
  });
}
