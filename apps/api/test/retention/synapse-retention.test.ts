import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KNOBS } from '@hearth/contracts';
import { DriverError, type InstanceContext, type InstanceSpec, type KnobReading, type ServerKnob, type ServerRetention } from '../../src/drivers/driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { retentionOf } from '../../src/drivers/retention';
import { SYNAPSE_PATHS, baseUrlOf, renderHearthConfig, synapseRetention } from '../../src/drivers/synapse/synapse.config';
import { SynapseDriver } from '../../src/drivers/synapse/synapse.driver';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { DebianRootfs } from '../../src/runtimes/rootfs/debian-rootfs';
import { makeBaseDir, waitFor } from '../instances/support';
import { RELAXED_LOGIN_LIMITS, matrixLogin } from '../synapse/matrix-client';
import { ensureSynapseRootfs, rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';

// A retention policy on real Synapse (Debian sid's matrix-synapse), run by the process runtime from
// the shared test root filesystem: rendered, started, read back from what the server runs on.
const RANGE = { first: 28700, last: 28799 };
const driver = new SynapseDriver(new DebianRootfs({ store: testVersionStore() }));
const runtime = new ProcessRuntime({ stopTimeoutMs: 15_000 });
const timings: string[] = [];

const MINIMAL: ServerRetention = {
  messageDays: 30,
  mediaDays: 30,
  remoteMediaDays: 7,
  ipDays: 1,
  redactedDays: 0,
  offlineDays: 0,
  pushContent: false,
  presence: false,
  urlPreviews: false,
  trustedKeyServers: [],
  logLevel: 'warn',
  logIps: false,
};

// As an operator would, in homeserver.yaml: the tests log in and set presence more often than Synapse's limits allow.
const TEST_LIMITS = `${RELAXED_LOGIN_LIMITS}rc_presence:\n  per_user: {per_second: 100, burst_count: 100}\n`;

const SECRETS = generateSecrets(driver);
const bare = (retention?: ServerRetention): InstanceSpec => ({
  id: 'pure',
  kind: 'synapse',
  domain: 'pure.test',
  bindAddress: '127.0.0.1',
  dir: '/nonexistent',
  ports: { client: 8008 },
  settings: retention ? { retention } : {},
});

/** The supported knobs whose reading differs from the policy. */
function differing(readings: Partial<Record<ServerKnob, KnobReading>>, policy: ServerRetention): string[] {
  return SERVER_KNOBS.filter((knob) => !driver.unsupportedKnobs[knob]).flatMap((knob) => {
    const read = readings[knob];
    const same = read && JSON.stringify(Array.isArray(read.value) ? [...read.value].sort() : read.value) === JSON.stringify(Array.isArray(policy[knob]) ? [...(policy[knob] as string[])].sort() : policy[knob]);
    return same ? [] : [`${knob}: read ${JSON.stringify(read?.value)}, wanted ${JSON.stringify(policy[knob])} (${read?.detail ?? 'not read'})`];
  });
}

describe('a retention policy, rendered for Synapse (no server)', () => {
  test('without a policy hearth.yaml is what it always was: no retention key, Synapse’s own presence and redactions', () => {
    const text = renderHearthConfig(bare(), SECRETS);
    for (const key of ['retention', 'presence', 'media_retention', 'redaction_retention_period', 'perspectives', 'forgotten_room_retention_period']) {
      assert.doesNotMatch(text, new RegExp(`^${key}:`, 'm'), key);
    }
    assert.match(text, /^user_ips_max_age: "7d"$/m);
  });

  test('a policy sets every key, nulls included, so homeserver.yaml cannot undo one', () => {
    const text = renderHearthConfig(bare({ ...MINIMAL, redactedDays: null, ipDays: 0, urlPreviews: true, trustedKeyServers: ['keys.example:8448'] }), SECRETS);
    assert.match(text, /^retention:\n {2}enabled: true\n {2}default_policy:\n {4}max_lifetime: "30d"\n {2}allowed_lifetime_max: "30d"\n {2}purge_jobs:\n {4}- interval: "12h"$/m);
    assert.match(text, /^redaction_retention_period: null$/m);
    assert.match(text, /^user_ips_max_age: "1s"$/m, '0 would turn pruning off: one second instead');
    assert.match(text, /^url_preview_ip_range_blacklist: \[.*"10\.0\.0\.0\/8".*"64:ff9b::\/96".*\]$/m);
    assert.match(text, /^trusted_key_servers:\n {2}- server_name: "keys\.example:8448"$/m);
    assert.match(text, /^perspectives:\n {2}servers: \{\}$/m);
  });

  test('policies Hearth refuses before anything is written: no message history at all, a key server that is no server name', async () => {
    await assert.rejects(driver.render(bare({ ...MINIMAL, messageDays: 0 }), SECRETS), (error: DriverError) => error.code === 'spec/invalid' && /at least 1 day/.test(error.message));
    await assert.rejects(driver.render(bare({ ...MINIMAL, trustedKeyServers: ['not a server'] }), SECRETS), (error: DriverError) => error.code === 'spec/invalid' && /"not a server"/.test(error.message));
  });
});

describe('a retention policy on a running Synapse', { skip: rootfsSkipReason, timeout: 5 * 60_000 }, () => {
  let base: Awaited<ReturnType<typeof makeBaseDir>>;
  let context: InstanceContext;
  let operatorFile: string;
  let operatorText: string;

  /** What instance.reconfigure does: render the policy, restart, health gate. `tamper` edits hearth.yaml for a test only. */
  async function apply(retention: ServerRetention, tamper?: (hearth: string) => string): Promise<number> {
    context = { ...context, spec: { ...context.spec, settings: { retention } } };
    const rendered = await driver.render(context.spec, context.secrets);
    const files = rendered.files.map((file) => (tamper && file.path === SYNAPSE_PATHS.hearthConfig && 'content' in file ? { ...file, content: tamper(String(file.content)) } : file));
    await runtime.writeFiles(context.spec, files);
    await runtime.stop(context.spec);
    const started = performance.now();
    await runtime.start({ ...context.spec, process: rendered.process });
    await waitHealthy(driver, context, { timeoutMs: 90_000 });
    return Math.round(performance.now() - started);
  }

  const operatorWrites = (extra: string) => writeFile(operatorFile, `${operatorText}${extra}`);
  const sql = (query: string) => execFileSync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', join(context.spec.dir, SYNAPSE_PATHS.database), query], { encoding: 'utf8' }).trim();

  before(async () => {
    await ensureSynapseRootfs();
    base = await makeBaseDir('retention');
    const ports = await allocatePorts([{ name: 'client', host: '127.0.0.1' }], { taken: new Set(), range: RANGE });
    // Provisioned as every instance so far: without a policy.
    const spec: InstanceSpec = { id: 'minimal', kind: 'synapse', domain: 'minimal.test', bindAddress: '127.0.0.1', dir: join(base.dir, 'minimal'), uid: 2_187_001, ports, settings: {} };
    context = { spec, runtime, secrets: generateSecrets(driver) };
    // The first start writes homeserver.yaml (once, as the operator's); the limits go in before Synapse reads it.
    const rendered = await driver.render(spec, context.secrets);
    await runtime.writeFiles(spec, rendered.files);
    operatorFile = join(spec.dir, SYNAPSE_PATHS.operatorConfig);
    operatorText = `${await readFile(operatorFile, 'utf8')}${TEST_LIMITS}`;
    await operatorWrites('');
    const started = performance.now();
    await runtime.start({ ...spec, process: rendered.process });
    await waitHealthy(driver, context, { timeoutMs: 120_000 });
    timings.push(`first start: ${Math.round(performance.now() - started)} ms`);
    context = { ...context, secrets: { ...context.secrets, ...((await driver.bootstrap(context)) ?? {}) } };
  });

  after(async () => {
    if (context) await runtime.destroy(context.spec).catch(() => undefined);
    await base?.remove();
    console.log(`synapse retention: ${timings.join(', ')}`);
  });

  test('without a policy it does what it always did: retentionOf’s defaults, except message history, kept for good', async () => {
    const started = performance.now();
    const readings = await driver.effectiveRetention(context);
    timings.push(`read-back: ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual(differing(readings, synapseRetention(context.spec)), []);
    // retentionOf says 7 days for every kind; Hearth never set a retention on Synapse, so its rooms keep their history.
    assert.equal(retentionOf(context.spec).messageDays, 7);
    assert.equal(readings.messageDays!.value, null);
    assert.match(readings.messageDays!.detail, /retention \(default\): off/);
  });

  test('Minimal: every supported knob reads back as asked; the knobs it reads and the unsupported ones are all the knobs', async () => {
    timings.push(`restart on Minimal: ${await apply(MINIMAL)} ms`);
    const readings = await driver.effectiveRetention(context);
    assert.deepEqual(differing(readings, MINIMAL), []);
    const read = Object.keys(readings).sort();
    const unsupported = Object.keys(driver.unsupportedKnobs).sort();
    assert.deepEqual(unsupported, ['offlineDays']);
    assert.deepEqual([...read, ...unsupported].sort(), [...SERVER_KNOBS].sort(), 'every knob is either read back or unsupported');
    assert.ok(!read.some((knob) => unsupported.includes(knob)), 'never both');
    // Two knobs come from the running server itself.
    assert.match(readings.presence!.detail, /reads back "offline"/);
    assert.match(readings.urlPreviews!.detail, /preview_url: 404/);
    assert.match(readings.messageDays!.detail, /retention \(hearth\.yaml\).*purged every 12h/);
    assert.match(readings.logIps!.detail, /access log .* is off/);
  });

  test('homeserver.yaml cannot undo the policy; its email.redact_content, which Hearth does not set, shows as drift', async () => {
    await operatorWrites(
      [
        'retention: {enabled: false}',
        'user_ips_max_age: 90d',
        'redaction_retention_period: null',
        'media_retention: {local_media_lifetime: 365d}',
        'presence: {enabled: true}',
        'use_presence: true',
        'url_preview_enabled: true',
        'url_preview_ip_range_blacklist: ["10.0.0.0/8"]',
        'trusted_key_servers: [{server_name: matrix.org}]',
        'perspectives: {servers: {"matrix.org": {}}}',
        'push: {include_content: true}',
        // The deprecated spelling, in the operator's own email section (which then needs a sender): Synapse honours it over push.include_content.
        'email: {notif_from: "Minimal <noreply@minimal.test>", redact_content: false}',
        '',
      ].join('\n'),
    );
    timings.push(`restart on an edited homeserver.yaml: ${await apply(MINIMAL)} ms`);
    const readings = await driver.effectiveRetention(context);
    assert.deepEqual(differing(readings, MINIMAL), [
      `pushContent: read true, wanted false (${readings.pushContent!.detail})`,
    ]);
    assert.match(readings.pushContent!.detail, /email\.redact_content: false \(homeserver\.yaml\) overrides push\.include_content/);
    assert.match(readings.presence!.detail, /reads back "offline".*presence\.enabled \(hearth\.yaml\): false/);
  });

  test('a policy Synapse refuses on this server: it exits at start, and the health gate says why', async () => {
    // A development setup without certificate checks: Synapse then wants every trusted key server pinned by its keys.
    await operatorWrites('federation_verify_certificates: false\n');
    const started = performance.now();
    await assert.rejects(apply({ ...MINIMAL, trustedKeyServers: ['matrix.org'] }), (error: DriverError) => {
      assert.equal(error.code, 'driver/unavailable');
      assert.match(error.message, /Synapse is not running[\s\S]*accept key server responses without signature\s+validation/);
      return true;
    });
    timings.push(`refused policy caught: ${Math.round(performance.now() - started)} ms`);
  });

  test('end to end: a room’s messages expire from clients, then Synapse’s purge job deletes them; client IPs go within seconds', async () => {
    await operatorWrites('');
    // Test-only acceleration: the purge job every 2 s rather than hourly; the room asks for 3 s of history itself (allowed: below the policy's cap).
    const policy: ServerRetention = { ...MINIMAL, messageDays: 1, ipDays: 0 };
    timings.push(`start on the end-to-end policy: ${await apply(policy, (hearth) => hearth.replace('- interval: "1h"', '- interval: "2s"'))} ms`);
    assert.deepEqual(differing(await driver.effectiveRetention(context), policy), []);

    const url = baseUrlOf(context.spec);
    await driver.createUser(context, 'alice', 'alice-password-1');
    const { token } = await matrixLogin(url, 'alice', 'alice-password-1');
    assert.ok(token);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await response.json()) as Record<string, any>;
      assert.equal(response.status, 200, JSON.stringify(json));
      return json;
    };
    const { room_id: roomId } = await call('POST', '/_matrix/client/v3/createRoom', { preset: 'private_chat', initial_state: [{ type: 'm.room.retention', state_key: '', content: { max_lifetime: 3_000 } }] });
    const room = encodeURIComponent(roomId);
    const send = async (text: string) => (await call('PUT', `/_matrix/client/v3/rooms/${room}/send/m.room.message/${text}`, { msgtype: 'm.text', body: text })).event_id as string;
    const first = await send('first');
    const second = await send('second');
    const visible = async () => ((await call('GET', `/_matrix/client/v3/rooms/${room}/messages?dir=b&limit=50`)).chunk as { type: string; content: { body?: string } }[]).filter((e) => e.type === 'm.room.message').map((e) => e.content.body);
    assert.deepEqual(await visible(), ['second', 'first']);
    const sent = performance.now();

    await waitFor(async () => (await visible()).length === 0, 10_000, 'the messages to expire for clients');
    timings.push(`hidden from clients after ${Math.round(performance.now() - sent)} ms`);
    const stored = (eventId: string) => sql(`SELECT count(*) FROM events WHERE event_id = '${eventId}'`) === '1';
    await waitFor(() => !stored(first), 20_000, 'the purge job to delete the first message');
    timings.push(`purged from the database after ${Math.round(performance.now() - sent)} ms`);
    // Synapse never purges a room's latest event: it stays in the database, hidden from clients.
    assert.ok(stored(second), 'the latest message stays in the database');

    // ipDays 0: user_ips is pruned every 5 s of anything older than a second; the device keeps its last address.
    const alice = "'@alice:minimal.test'";
    await waitFor(() => sql(`SELECT count(*) FROM devices WHERE user_id = ${alice} AND ip IS NOT NULL`) !== '0', 15_000, "Synapse to record alice's address");
    await waitFor(() => sql(`SELECT count(*) FROM user_ips WHERE user_id = ${alice}`) === '0', 20_000, 'user_ips to be pruned');
    timings.push(`user_ips pruned after ${Math.round(performance.now() - sent)} ms`);
    assert.equal(sql(`SELECT DISTINCT ip FROM devices WHERE user_id = ${alice} AND ip IS NOT NULL`), '127.0.0.1', "the device record keeps alice's last address");

    // The opposite policy: everything kept, everything on. Retention off, the unpurged latest message is back for clients.
    const keepAll: ServerRetention = { messageDays: null, mediaDays: null, remoteMediaDays: null, ipDays: null, redactedDays: null, offlineDays: null, pushContent: true, presence: true, urlPreviews: true, trustedKeyServers: ['matrix.org'], logLevel: 'info', logIps: true };
    timings.push(`start on keep-everything: ${await apply(keepAll)} ms`);
    const readings = await driver.effectiveRetention(context);
    assert.deepEqual(differing(readings, keepAll), []);
    assert.match(readings.presence!.detail, /reads back "unavailable"/);
    assert.match(readings.urlPreviews!.detail, /answers GET \/_matrix\/client\/v1\/media\/preview_url/);
    assert.match(readings.logIps!.detail, /access log .* is written/);
    assert.deepEqual(await visible(), ['second'], 'hidden, not deleted: with retention off the latest message shows again');
  });
});
