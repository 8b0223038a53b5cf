import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runNode } from '../cli/run-node';
import { ensureSynapseRootfs, rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';

// `hearth versions` works on plain files: no database, no Redis, so none is set up here.
function hearth(args: string[], versionStore: string) {
  return runNode(CLI, args, { HEARTH_VERSION_STORE: versionStore });
}

const nowhere = (): string => join(tmpdir(), `hearth-no-store-${randomBytes(4).toString('hex')}`);

test('versions list on an empty store says so', async () => {
  const store = nowhere();
  const listed = await hearth(['versions', 'list'], store);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, `Nothing installed in ${store}\n`);
});

test('versions install refuses software it does not know', async () => {
  const refused = await hearth(['versions', 'install', 'mastodon'], nowhere());
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Allowed choices are synapse, prosody, ejabberd/);
});

test('versions install synapse finds the shared test build and lists it', { skip: rootfsSkipReason, timeout: 15 * 60_000 }, async () => {
  const { manifest } = await ensureSynapseRootfs();
  const version = manifest.installed['matrix-synapse']!;
  const installed = await hearth(['versions', 'install', 'synapse'], testVersionStore());
  assert.equal(installed.code, 0, installed.stderr);
  const lines = installed.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, -1), ['0% check', '100% done cached'], 'progress, one line per step');
  const summary = lines.at(-1)!;
  assert.ok(summary.startsWith(`Already installed: synapse  sid  matrix-synapse ${version}  built `), summary);
  assert.match(summary, /  built \d{4}-\d\d-\d\d \d\d:\d\d UTC  \d+ MB  \//);

  const listed = await hearth(['versions', 'list'], testVersionStore());
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(listed.stdout.split('\n').includes(summary.replace('Already installed: ', '')), listed.stdout);
});

test('versions install says why it cannot build, with exit code 1', { skip: process.getuid?.() === 0 ? false : 'needs root to run the CLI as nobody' }, () => {
  const asNobody = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, 'versions', 'install', 'synapse'], {
    env: { PATH: process.env.PATH ?? '', HEARTH_VERSION_STORE: nowhere() },
    encoding: 'utf8',
  });
  assert.equal(asNobody.status, 1);
  assert.match(asNobody.stderr, /^hearth: Building a Debian root filesystem needs root/m);
  assert.doesNotMatch(asNobody.stderr, /\n\s+at /, 'a message, not a stack trace');
});
