import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SYNAPSE_FEDERATION_MODES } from '../../src/drivers/synapse/synapse-federation';
import { SYNAPSE_PATHS } from '../../src/drivers/synapse/synapse.config';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import { assertAuditTrailComplete } from '../support/audit';
import { bearer, waitFor } from '../support/context';
import { ensureSynapseRootfs, rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { type JobBody, assertSucceeded } from '../instances-api/support';
import { RECONFIGURE, apply, editBehindHearthsBack, federation, row, serverPid, useFixture } from './support';

// Real Synapse (Debian sid's matrix-synapse): federation_domain_whitelist and the federation
// resource on the client listener, read back from its config files and from the server.
const fixture = useFixture('synapse', '26320-26379', {
  env: { HEARTH_VERSION_STORE: testVersionStore() },
  provisionTimeoutMs: 300_000,
  prepare: () => ensureSynapseRootfs(),
  skip: rootfsSkipReason,
});
const timings: string[] = [];

const baseUrl = () => fixture.instance.baseUrl!;

/** GET of a federation endpoint "from" another server: the whitelist is checked before the request's signature. */
async function asServer(origin: string): Promise<{ status: number; errcode?: string }> {
  const response = await fetch(new URL('/_matrix/federation/v1/query/profile?user_id=%40someone%3Aelsewhere.test', baseUrl()), {
    headers: { authorization: `X-Matrix origin="${origin}",key="ed25519:a_test",sig="bm90IGEgc2lnbmF0dXJl"` },
  });
  const body = (await response.json().catch(() => ({}))) as { errcode?: string };
  return { status: response.status, errcode: body.errcode };
}

async function versionStatus(): Promise<number> {
  return (await fetch(new URL('/_matrix/federation/v1/version', baseUrl()))).status;
}

describe('Synapse: federation policy through the REST API', { skip: rootfsSkipReason, timeout: 10 * 60_000 }, () => {
  test('the driver declares its modes: no denylist in Synapse', () => {
    const driver = fixture.app.get(HomeserverHost).driver('synapse');
    assert.deepEqual(driver.federationModes, SYNAPSE_FEDERATION_MODES);
    assert.deepEqual([...SYNAPSE_FEDERATION_MODES].sort(), ['allowlist', 'closed', 'open']);
    assert.ok(driver.capabilities.has('federation.policy'));
  });

  test('a new instance is closed: an empty whitelist and no federation resource', async () => {
    const read = await federation(fixture);
    assert.equal(read.status, 'ok', read.detail);
    assert.deepEqual(read.effective, { mode: 'closed', domains: [] });
    assert.equal(read.listener, null);
    assert.match(read.detail, /federation_domain_whitelist: \[\] \(hearth\.yaml\).*version on port \d+: 404/);
    assert.equal(await versionStatus(), 404);
  });

  test('allowlist: the federation API is served, and refuses servers not on the list', async () => {
    const { job, ms } = await apply(fixture, { mode: 'allowlist', domains: ['friends.test'], reason: 'the cousins run Matrix' });
    timings.push(`allowlist: ${ms} ms`);
    assertSucceeded(job, RECONFIGURE);
    const read = await federation(fixture);
    assert.equal(read.status, 'ok', read.detail);
    assert.deepEqual(read.effective, { mode: 'allowlist', domains: ['friends.test'] });
    assert.equal(read.listener, fixture.instance.endpoints.client);
    assert.equal(await versionStatus(), 200);
    assert.deepEqual(await asServer('strangers.test'), { status: 403, errcode: 'M_FORBIDDEN' });
    assert.notEqual((await asServer('friends.test')).errcode, 'M_FORBIDDEN', 'a listed server gets as far as its signature');
  });

  test('open: hearth.yaml says "no whitelist", over one the operator set in homeserver.yaml', async () => {
    const own = join((await row(fixture)).dir, SYNAPSE_PATHS.operatorConfig);
    await writeFile(own, `${await readFile(own, 'utf8')}federation_domain_whitelist:\n  - friends.test\n`);
    const { job, ms } = await apply(fixture, { mode: 'open', domains: [] });
    timings.push(`open: ${ms} ms`);
    assertSucceeded(job, RECONFIGURE);
    const read = await federation(fixture);
    assert.equal(read.status, 'ok', read.detail);
    assert.deepEqual(read.effective, { mode: 'open', domains: [] });
    assert.match(read.detail, /federation_domain_whitelist: null \(hearth\.yaml\)/);
    assert.notEqual((await asServer('strangers.test')).errcode, 'M_FORBIDDEN');
  });

  test('closed again; denylist is refused before any job', async () => {
    const { job, ms } = await apply(fixture, { mode: 'closed', domains: [] });
    timings.push(`closed: ${ms} ms`);
    assertSucceeded(job, RECONFIGURE);
    assert.equal((await federation(fixture)).status, 'ok');
    assert.equal(await versionStatus(), 404);

    const runs = await fixture.app.prisma.jobRun.count();
    const response = await fixture.app.http().put(`/api/instances/${fixture.instance.id}/federation`).set(bearer(fixture.admin)).send({ mode: 'denylist', domains: ['strangers.test'] });
    assert.equal(response.status, 409, response.text);
    assert.equal(response.body.code, 'capability/unsupported');
    assert.match(response.body.detail, /closed, allowlist, open/);
    assert.equal(await fixture.app.prisma.jobRun.count(), runs);
  });

  test('hearth.yaml edited behind Hearth\'s back: the operator\'s whitelist shows through, as drift', async () => {
    await editBehindHearthsBack(fixture, SYNAPSE_PATHS.hearthConfig, (text) => text.replace(/^federation_domain_whitelist: \[\]\n/m, ''));
    const { driver, context } = fixture.app.get(HomeserverHost).context(await row(fixture));
    await waitHealthy(driver, context, { timeoutMs: 60_000 });
    const drifted = await federation(fixture);
    assert.equal(drifted.status, 'drift', JSON.stringify(drifted));
    assert.equal(drifted.effective, null);
    assert.match(drifted.detail, /requests to friends\.test may go out.*\["friends\.test"\] \(homeserver\.yaml\)/);

    assertSucceeded((await apply(fixture, { mode: 'closed', domains: [] })).job, RECONFIGURE);
    assert.equal((await federation(fixture)).status, 'ok');
  });

  test('a change cancelled while it runs is undone: Synapse ends healthy on its old config', async () => {
    const before = await serverPid(fixture);
    const started = performance.now();
    const response = await fixture.app.http().put(`/api/instances/${fixture.instance.id}/federation`).set(bearer(fixture.admin)).send({ mode: 'open', domains: [] });
    assert.equal(response.status, 202, response.text);
    // Once the new settings are in: Synapse takes seconds to restart, so the cancellation lands before the read-back at the latest.
    await waitFor(
      'the new settings to be applied',
      async () => {
        const current = (await fixture.app.http().get(`/api/jobs/${response.body.jobId}`).set(bearer(fixture.viewer))).body as JobBody;
        return current.steps.find((step) => step.name === 'apply-settings')?.status === 'succeeded' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    const cancel = await fixture.app.http().post(`/api/jobs/${response.body.jobId}/cancel`).set(bearer(fixture.admin));
    assert.ok(cancel.status < 300, cancel.text);
    const job = await waitFor(
      'the cancelled job to finish',
      async () => {
        const current = (await fixture.app.http().get(`/api/jobs/${response.body.jobId}`).set(bearer(fixture.viewer))).body as JobBody;
        return current.status === 'cancelled' || current.status === 'failed' || current.status === 'succeeded' ? current : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    timings.push(`cancelled and undone: ${Math.round(performance.now() - started)} ms`);
    assert.equal(job.status, 'cancelled', JSON.stringify(job));
    const instance = await row(fixture);
    assert.equal(instance.status, 'running', instance.statusReason ?? '');
    assert.match(instance.statusReason ?? '', /^Settings change undone: Cancelled by an operator before /);
    assert.deepEqual((instance.settings as { federation?: unknown }).federation, { mode: 'closed', domains: [] });
    assert.notEqual(await serverPid(fixture), before);
    const read = await federation(fixture);
    assert.equal(read.status, 'ok', read.detail);
    assert.equal(await versionStatus(), 404);
  });

  test('an adopted server: its federation is unsupported to read and not Hearth\'s to change', async () => {
    const adopted = await fixture.app.prisma.instance.create({
      data: { name: 'adopted', kind: 'synapse', domain: 'adopted.test', runtime: 'external', bindAddress: '192.0.2.1', baseUrl: 'https://adopted.test', status: 'running', dir: '/nonexistent/adopted', capabilities: ['users.list'] },
    });
    const read = await fixture.app.http().get(`/api/instances/${adopted.id}/federation`).set(bearer(fixture.viewer));
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.status, 'unsupported');
    assert.equal(read.body.effective, null);
    const change = await fixture.app.http().put(`/api/instances/${adopted.id}/federation`).set(bearer(fixture.admin)).send({ mode: 'closed' });
    assert.equal(change.status, 409, change.text);
    assert.equal(change.body.code, 'instance/not_managed');
  });

  test('every request left its audit event, without secrets', async () => {
    fixture.context.secrets.add(fixture.app.get(HomeserverHost).context(await row(fixture)).context.secrets.admin_token!);
    await assertAuditTrailComplete(fixture.app, fixture.context);
    console.log(`synapse federation jobs: ${timings.join(', ')}`);
  });
});
