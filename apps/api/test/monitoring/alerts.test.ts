import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import type { Instance } from '../../src/generated/prisma/client';
import { InstanceEventsService } from '../../src/monitoring/instance-events.service';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { startWorker } from './support';

// Alert channels over the API, and webhooks delivered by a real worker to a local HTTP server.
const context = useTestContext();
let app: TestApp;
let worker: INestApplicationContext;
let admin: string;
let viewer: string;
let receiver: Receiver;
let instance: Instance;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on 127.0.0.1. `/flaky` answers 500 to the first two posts of each alert, then 200. */
class Receiver {
  readonly received: Received[] = [];
  private readonly server: Server;
  private readonly flakyTries = new Map<string, number>();

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({ path: request.url ?? '', headers: request.headers, body });
        let status = 200;
        if (request.url === '/flaky') {
          const id = (JSON.parse(body) as { id: string }).id;
          const tries = (this.flakyTries.get(id) ?? 0) + 1;
          this.flakyTries.set(id, tries);
          status = tries <= 2 ? 500 : 200;
        }
        response.writeHead(status).end();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

before(async () => {
  app = await context.startApp({ HEARTH_WORKER: 'off', HEARTH_ALERT_RETRY_DELAY_MS: '100' });
  admin = await app.sessionFor((await app.createOperator('admin')).id);
  viewer = await app.sessionFor((await app.createOperator('viewer')).id);
  receiver = new Receiver();
  await receiver.listen();
  worker = await startWorker(app);
  // Alerts need an instance to be about; no server has to run for them. Made after the worker
  // started, so it has no health-check scheduler whose checks would add events of their own.
  instance = await app.prisma.instance.create({
    data: { name: 'family', kind: 'prosody', domain: 'family.example', runtime: 'process', bindAddress: '127.0.0.1', dir: '/nonexistent/family', status: 'running' },
  });
});
context.onCleanup(async () => {
  await worker.close();
  await receiver.close();
});

function newSecret(): string {
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  context.secrets.add(secret);
  return secret;
}

async function createChannel(body: Record<string, unknown>): Promise<{ id: string; name: string; signed: boolean; enabled: boolean; config: { url: string } }> {
  const response = await app.http().post('/api/alert-channels').set(bearer(admin)).send(body);
  assert.equal(response.status, 201, response.text);
  return response.body;
}

function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const deliveryOf = (channelId: string, eventId: string) =>
  app.prisma.alertDelivery.findUnique({ where: { channelId_eventId: { channelId, eventId } } });
const settled = (channelId: string, eventId: string) =>
  waitFor('the delivery to settle', async () => {
    const delivery = await deliveryOf(channelId, eventId);
    return delivery && delivery.status !== 'pending' ? delivery : undefined;
  });

describe('alert channels over the API', () => {
  test('create: the secret is sealed and never returned', async () => {
    const secret = newSecret();
    const created = await createChannel({ name: 'ops pager', kind: 'webhook', url: receiver.url('/ok'), secret });
    assert.equal(created.signed, true);
    assert.equal(created.enabled, true);
    assert.deepEqual(created.config, { url: receiver.url('/ok') });
    assert.ok(!JSON.stringify(created).includes(secret));
    const row = await app.prisma.alertChannel.findUniqueOrThrow({ where: { id: created.id } });
    assert.ok(row.secretsEnc && !row.secretsEnc.includes(secret), 'stored sealed');

    const read = await app.http().get(`/api/alert-channels/${created.id}`).set(bearer(admin));
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created);
    // A webhook URL can embed a service's token, so viewers don't see channels at all.
    assert.equal((await app.http().get(`/api/alert-channels/${created.id}`).set(bearer(viewer))).status, 403);
    const list = await app.http().get('/api/alert-channels?q=pager').set(bearer(admin));
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 1);
    assert.ok(!list.text.includes(secret));

    const audit = await lastAudit(app, 'alert_channel.create');
    assert.equal(audit.targetType, 'alert-channel');
    assert.equal(audit.targetId, created.id);
    assert.deepEqual(audit.detail, { name: 'ops pager', kind: 'webhook', host: new URL(receiver.url('/')).host, enabled: true, signed: true });
    await app.http().delete(`/api/alert-channels/${created.id}`).set(bearer(admin)).expect(204);
  });

  test('validation, unique names, viewers may not change channels', async () => {
    const bad = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'x', kind: 'webhook', url: 'ftp://example.org/hook' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'request/invalid');
    const email = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'x', kind: 'email', url: receiver.url('/ok') });
    assert.equal(email.status, 400, 'only webhooks so far');
    const short = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'x', kind: 'webhook', url: receiver.url('/ok'), secret: 'short' });
    assert.equal(short.status, 400);

    const first = await createChannel({ name: 'twice', kind: 'webhook', url: receiver.url('/ok'), enabled: false });
    const again = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'twice', kind: 'webhook', url: receiver.url('/ok') });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'alert_channel/name_taken');
    const byViewer = await app.http().post('/api/alert-channels').set(bearer(viewer)).send({ name: 'mine', kind: 'webhook', url: receiver.url('/ok') });
    assert.equal(byViewer.status, 403);
    await app.http().delete(`/api/alert-channels/${first.id}`).set(bearer(admin)).expect(204);
  });

  test('patch: URL, enabled and secret (null removes it); delete, then 404', async () => {
    const channel = await createChannel({ name: 'patchable', kind: 'webhook', url: receiver.url('/ok'), secret: newSecret() });
    const patched = await app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ url: receiver.url('/other'), enabled: false, secret: null });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual([patched.body.config.url, patched.body.enabled, patched.body.signed], [receiver.url('/other'), false, false]);
    assert.equal((await app.prisma.alertChannel.findUniqueOrThrow({ where: { id: channel.id } })).secretsEnc, null);
    const signedAgain = await app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ secret: newSecret() });
    assert.equal(signedAgain.body.signed, true);
    const audit = await lastAudit(app, 'alert_channel.update');
    assert.deepEqual((audit.detail as { changed: string[] }).changed, ['secret']);

    const removed = await app.http().delete(`/api/alert-channels/${channel.id}?reason=no%20longer%20used`).set(bearer(admin));
    assert.equal(removed.status, 204);
    assert.equal((await lastAudit(app, 'alert_channel.delete')).reason, 'no longer used');
    for (const call of [
      app.http().get(`/api/alert-channels/${channel.id}`).set(bearer(admin)),
      app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ enabled: true }),
      app.http().delete(`/api/alert-channels/${channel.id}`).set(bearer(admin)),
      app.http().post(`/api/alert-channels/${channel.id}/test`).set(bearer(admin)),
    ]) {
      const response = await call;
      assert.equal(response.status, 404);
      assert.equal(response.body.code, 'alert_channel/not_found');
    }
  });
});

describe('webhook deliveries', () => {
  const events = () => app.get(InstanceEventsService);

  test('a status change is posted, signed, to every enabled channel and to no disabled one', async () => {
    const secret = newSecret();
    const signed = await createChannel({ name: 'signed', kind: 'webhook', url: receiver.url('/signed'), secret });
    const disabled = await createChannel({ name: 'disabled', kind: 'webhook', url: receiver.url('/disabled'), enabled: false });

    const event = await events().transition(instance.id, 'down', 'The health check failed twice in a row (c2s: connection refused)');
    assert.ok(event);
    const delivery = await settled(signed.id, event.id);
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.lastError, null);
    assert.ok(delivery.deliveredAt);
    assert.equal(await deliveryOf(disabled.id, event.id), null);

    const [post] = receiver.at('/signed');
    assert.ok(post);
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(post.headers['x-hearth-signature'], signatureOf(secret, post.body));
    assert.deepEqual(JSON.parse(post.body), {
      id: event.id,
      event: 'status-change',
      instance: { id: instance.id, name: 'family', kind: 'prosody', domain: 'family.example' },
      status: 'down',
      previousStatus: 'running',
      reason: 'The health check failed twice in a row (c2s: connection refused)',
      at: event.at.toISOString(),
    });
    assert.equal(receiver.at('/disabled').length, 0);
    await app.http().patch(`/api/alert-channels/${signed.id}`).set(bearer(admin)).send({ enabled: false }).expect(200);
  });

  test('crashes alert, restarts and unchanged statuses do not', async () => {
    const channel = await createChannel({ name: 'unsigned', kind: 'webhook', url: receiver.url('/unsigned') });
    const crash = await events().record(instance.id, 'crash', 'The server process exited unexpectedly.\nIts last output:\nlua: segmentation fault');
    const restart = await events().record(instance.id, 'restart', 'Restart 1 after a crash, in 1 s');
    assert.equal(await events().transition(instance.id, 'down', 'Still down'), undefined, 'no event without a change');
    assert.equal((await settled(channel.id, crash.id)).status, 'delivered');
    assert.equal(await deliveryOf(channel.id, restart.id), null);
    const [post] = receiver.at('/unsigned');
    assert.equal(post?.headers['x-hearth-signature'], undefined, 'no secret, no signature');
    const body = JSON.parse(post!.body);
    assert.equal(body.event, 'crash');
    assert.equal(body.reason, 'The server process exited unexpectedly.', 'the server output stays in Hearth');
    assert.equal(receiver.at('/unsigned').length, 1);
    await app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ enabled: false }).expect(200);
  });

  test('a receiver that answers 500 twice is retried with backoff and ends delivered', async () => {
    const channel = await createChannel({ name: 'flaky', kind: 'webhook', url: receiver.url('/flaky') });
    const event = await events().transition(instance.id, 'running', 'Healthy: the server answers (4 ms)');
    const delivery = await settled(channel.id, event!.id);
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 3);
    assert.equal(receiver.at('/flaky').length, 3);
    await app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ enabled: false }).expect(200);
  });

  test('an unreachable receiver ends failed after five attempts, with the last error', async () => {
    // A port nothing listens on (any more): the connection is refused at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const channel = await createChannel({ name: 'unreachable', kind: 'webhook', url: `http://127.0.0.1:${port}/hook` });
    const event = await events().transition(instance.id, 'degraded', 'The health check failed (admin: no answer within 5000 ms); the server process is running');
    const delivery = await settled(channel.id, event!.id);
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.attempts, 5);
    assert.match(delivery.lastError ?? '', /^Could not reach the receiver: .*ECONNREFUSED/);
    assert.ok(!delivery.lastError!.includes('/hook'), 'the URL is not repeated in the error');
    await app.http().patch(`/api/alert-channels/${channel.id}`).set(bearer(admin)).send({ enabled: false }).expect(200);
  });

  test('a test alert goes out at once, also through a disabled channel', async () => {
    const secret = newSecret();
    const channel = await createChannel({ name: 'tested', kind: 'webhook', url: receiver.url('/tested'), secret, enabled: false });
    const response = await app.http().post(`/api/alert-channels/${channel.id}/test`).set(bearer(admin));
    assert.equal(response.status, 202);
    assert.deepEqual(response.body, { queued: true });
    const post = await waitFor('the test alert', async () => receiver.at('/tested')[0]);
    assert.equal(post.headers['x-hearth-signature'], signatureOf(secret, post.body));
    const body = JSON.parse(post.body);
    assert.equal(body.event, 'test');
    assert.equal(body.instance, null);
    assert.match(body.reason, /test alert from Hearth/);
    assert.equal((await lastAudit(app, 'alert_channel.test')).targetId, channel.id);
    assert.equal(await app.prisma.alertDelivery.count({ where: { channelId: channel.id } }), 0, 'no delivery record without an event');
  });
});

test('one audit event per change, no secret in the audit log', async () => {
  await assertAuditTrailComplete(app, context);
});
