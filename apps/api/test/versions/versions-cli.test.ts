import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ejabberdTreeSpec } from '../../src/drivers/ejabberd/ejabberd-release';
import { prosodyTreeSpec } from '../../src/drivers/prosody/prosody-release';
import { CLI, runNode } from '../cli/run-node';
import { ensureSharedTree, testVersionStore, treesSkipReason } from './support';

// `hearth versions` works on plain files and apt: no database, no Redis.
function hearth(args: string[], versionStore: string) {
  return runNode(CLI, args, { HEARTH_VERSION_STORE: versionStore });
}

test('versions install offers the package trees beside Synapse', async () => {
  const refused = await hearth(['versions', 'install', 'mastodon'], '/nonexistent-hearth-store');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Allowed choices are synapse, prosody, ejabberd/);
});

test('versions install prosody / ejabberd find the shared test trees; versions list shows them', { skip: treesSkipReason, timeout: 5 * 60_000 }, async () => {
  const prosody = await ensureSharedTree(prosodyTreeSpec('bookworm'));
  const ejabberd = await ensureSharedTree(ejabberdTreeSpec('bookworm'));

  const installed = await hearth(['versions', 'install', 'prosody'], testVersionStore());
  assert.equal(installed.code, 0, installed.stderr);
  const lines = installed.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, -1), ['0% check', '100% done cached']);
  const prosodyLine = lines.at(-1)!.replace('Already installed: ', '');
  assert.ok(lines.at(-1)!.startsWith('Already installed: '), lines.at(-1));
  const lua = prosody.manifest.installed['lua-unbound'];
  assert.equal(
    prosodyLine.replace(/  built .*  \d+ MB  /, '  …  '),
    `prosody  bookworm-backports  prosody ${prosody.manifest.packageVersion}, ${lua ? `lua-unbound ${lua}` : "lua-unbound (host's)"}  …  ${prosody.dir}`,
  );

  const second = await hearth(['versions', 'install', 'ejabberd'], testVersionStore());
  assert.equal(second.code, 0, second.stderr);
  const ejabberdLine = second.stdout.trim().split('\n').at(-1)!.replace('Already installed: ', '');
  const dependencies = Object.keys(ejabberd.manifest.installed).length - 1;
  assert.match(ejabberdLine, new RegExp(`^ejabberd  bookworm-backports  ejabberd 24\\.12-\\S+ \\+ ${dependencies} dependencies  built \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC  \\d+ MB  ${ejabberd.dir}$`));

  const listed = await hearth(['versions', 'list'], testVersionStore());
  assert.equal(listed.code, 0, listed.stderr);
  const all = listed.stdout.trim().split('\n');
  assert.ok(all.includes(prosodyLine), listed.stdout);
  assert.ok(all.includes(ejabberdLine), listed.stdout);
});
