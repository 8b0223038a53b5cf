import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ejabberdTreeSpec } from '../../src/drivers/ejabberd/ejabberd-release';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import { launcher, prosodyDialect, prosodyTreeSpec } from '../../src/drivers/prosody/prosody-release';
import { renderProsodyConfig } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import { PackageTrees, TREE_FORMAT } from '../../src/runtimes/packages/package-tree';
import {
  debFileName,
  dependencyNames,
  parseCandidate,
  parseRecords,
  parseSimulation,
  renderSourcesList,
  upstreamVersion,
} from '../../src/runtimes/packages/private-apt';
import { DebianRootfs } from '../../src/runtimes/rootfs/debian-rootfs';
import { sharedCacheDir, treesSkipReason } from './support';

describe('private apt: what is parsed from apt', () => {
  test('apt-get -s: upgrades, new installs, several releases, removals', () => {
    const parsed = parseSimulation(
      [
        'NOTE: This is only a simulation!',
        'Inst prosody [0.12.3-1+deb12u1] (13.0.1-1~bpo12+1 Debian Backports:oldstable-backports [amd64])',
        'Inst lua-unbound (1.0.0-2 Debian:12.15/oldstable [amd64])',
        'Inst libfoo1:amd64 (2.0-1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])',
        'Inst erlang-p1-utils [1.0.25-2] (1.0.26-2~bpo12+1 Debian Backports:oldstable-backports [all])',
        'Remv oldthing [1.0]',
        'Conf prosody (13.0.1-1~bpo12+1 Debian Backports:oldstable-backports [amd64])',
      ].join('\n'),
    );
    assert.deepEqual(parsed.install, [
      { name: 'prosody', version: '13.0.1-1~bpo12+1', from: 'Debian Backports:oldstable-backports', architecture: 'amd64', hostVersion: '0.12.3-1+deb12u1' },
      { name: 'lua-unbound', version: '1.0.0-2', from: 'Debian:12.15/oldstable', architecture: 'amd64' },
      { name: 'libfoo1', version: '2.0-1', from: 'Debian:12.15/oldstable, Debian-Security:12/oldstable-security', architecture: 'amd64' },
      { name: 'erlang-p1-utils', version: '1.0.26-2~bpo12+1', from: 'Debian Backports:oldstable-backports', architecture: 'all', hostVersion: '1.0.25-2' },
    ]);
    assert.deepEqual(parsed.remove, ['oldthing']);
  });

  test('apt-cache show and policy, file names, versions, dependencies', () => {
    const records = parseRecords(
      'Package: libc6\nVersion: 2.40-1\nPriority: required\nDepends: libgcc-s1\n\nPackage: prosody\nVersion: 13.0.1-1~bpo12+1\nPriority: optional\nPre-Depends: adduser\nDepends: lua5.4,\n lua-expat (>= 1.2.0) | lua5.4-expat, libc6 (>= 2.34)\n',
    );
    assert.equal(records.get('libc6=2.40-1')?.priority, 'required');
    assert.equal(records.get('prosody=13.0.1-1~bpo12+1')?.essential, false);
    assert.deepEqual(dependencyNames(records.get('prosody=13.0.1-1~bpo12+1')?.depends), [['adduser'], ['lua5.4'], ['lua-expat', 'lua5.4-expat'], ['libc6']]);
    assert.equal(parseCandidate('prosody:\n  Installed: 0.12.3-1\n  Candidate: 13.0.1-1~bpo12+1\n'), '13.0.1-1~bpo12+1');
    assert.equal(parseCandidate('nothing:\n  Installed: (none)\n  Candidate: (none)\n'), undefined);
    assert.equal(debFileName('erlang-base', '1:25.2.3+dfsg-1', 'amd64'), 'erlang-base_1%3a25.2.3+dfsg-1_amd64.deb');
    assert.equal(upstreamVersion('13.0.1-1~bpo12+1'), '13.0.1');
    assert.equal(upstreamVersion('1:25.2.3+dfsg-1+deb12u4'), '25.2.3+dfsg');
    assert.equal(upstreamVersion('24.12'), '24.12');
    const sources = renderSourcesList({ codename: 'bookworm', mirror: 'http://m/debian', securityMirror: 'http://m/debian-security', keyring: '/k.gpg' });
    for (const suite of ['bookworm', 'bookworm-updates', 'bookworm-backports']) assert.ok(sources.includes(`deb [signed-by=/k.gpg] http://m/debian ${suite} main\n`), sources);
    assert.ok(sources.includes('deb [signed-by=/k.gpg] http://m/debian-security bookworm-security main\n'));
  });
});

describe('Prosody 13: launcher and configuration dialect', () => {
  const script = "#!/usr/bin/env lua5.4\n-- x\nCFG_SOURCEDIR='/usr/lib/prosody';\nCFG_CONFIGDIR='/etc/prosody';\nCFG_PLUGINDIR='/usr/lib/prosody/modules/';\nCFG_DATADIR='/var/lib/prosody';\nlocal x = CFG_SOURCEDIR\n";

  test('the launcher points the sources into the tree and config/data into the instance', () => {
    const patched = launcher(script, '/usr/bin/lua5.4', { sourceDir: '/s/t/usr/lib/prosody', pluginDir: '/s/t/usr/lib/prosody/modules/', configDir: '/i/conf', dataDir: '/i/data' });
    assert.ok(patched.startsWith('#!/usr/bin/lua5.4\n'));
    assert.match(patched, /^CFG_SOURCEDIR="\/s\/t\/usr\/lib\/prosody";$/m);
    assert.match(patched, /^CFG_PLUGINDIR="\/s\/t\/usr\/lib\/prosody\/modules\/";$/m);
    assert.match(patched, /^CFG_CONFIGDIR="\/i\/conf";$/m);
    assert.match(patched, /^CFG_DATADIR="\/i\/data";$/m);
    assert.ok(patched.includes('local x = CFG_SOURCEDIR\n'), 'later uses are left alone');
    assert.throws(() => launcher('#!/usr/bin/lua\nprint(1)\n', '/usr/bin/lua5.4', { sourceDir: '/', pluginDir: '/', configDir: '/', dataDir: '/' }), { code: 'driver/unavailable' });
  });

  test('both dialects: c2s_direct_tls_ports, not the deprecated legacy_ssl_ports; 13 is marked', () => {
    const spec = { id: 'd', kind: 'prosody' as const, domain: 'd.test', bindAddress: '127.0.0.1', dir: '/srv/d', ports: { client: 5222, http: 5280 }, settings: {} };
    const old = renderProsodyConfig(spec);
    const next = renderProsodyConfig(spec, '13');
    assert.equal(renderProsodyConfig(spec, '0.12'), old);
    for (const config of [old, next]) {
      assert.doesNotMatch(config, /legacy_ssl/);
      assert.match(config, /^c2s_direct_tls_ports = \{\}$/m);
    }
    assert.match(next, /^-- Rendered by Hearth for instance d \(Prosody 13\)\./);
    assert.equal(next.split('\n').slice(1).join('\n'), old.split('\n').slice(1).join('\n'), 'the rest is the same for both');
    assert.deepEqual(prosodyDialect('13.0.1'), '13');
    assert.deepEqual(prosodyDialect('0.12.3'), '0.12');
    assert.deepEqual(prosodyDialect(undefined), '0.12');
  });
});

describe('package trees: real packages from Debian into a store', { skip: treesSkipReason }, () => {
  let store: string;
  let trees: PackageTrees;
  let hostState: string;

  // What must not change: the host's apt sources and lists, and its dpkg database.
  async function fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    for (const dir of ['/etc/apt', '/etc/apt/sources.list.d', '/etc/apt/preferences.d', '/var/lib/apt/lists']) {
      for (const entry of (await readdir(dir).catch(() => [] as string[])).sort()) {
        const info = await stat(join(dir, entry)).catch(() => undefined);
        hash.update(`${dir}/${entry} ${info?.size} ${info?.mtimeMs}\n`);
      }
    }
    hash.update(await readFile('/var/lib/dpkg/status'));
    return hash.digest('hex');
  }

  before(async () => {
    store = await mkdtemp(join(tmpdir(), 'hearth-trees-'));
    // A fresh store, but the shared download cache and package lists: real resolving and unpacking, no re-download.
    trees = new PackageTrees({ store, cacheDir: sharedCacheDir() });
    hostState = await fingerprint();
  });

  after(async () => {
    await rm(store, { recursive: true, force: true });
  });

  test('versions() before anything is built: the host version, and backports as installable', async () => {
    const versions = await new ProsodyDriver().versions(trees);
    const system = versions.find((v) => v.id === 'system')!;
    assert.equal(system.state, 'installed');
    assert.match(system.version ?? '', /^0\.12\./);
    assert.deepEqual(system.release, { tree: '/', version: system.version });
    const installable = versions.find((v) => v.state === 'installable')!;
    assert.deepEqual(installable.spec, prosodyTreeSpec('bookworm'));
    assert.equal(versions.length, 2);
  });

  test('Prosody 13 from bookworm-backports: resolved against the host, unpacked, manifest written', { timeout: 5 * 60_000 }, async () => {
    const phases: string[] = [];
    const started = performance.now();
    const tree = await trees.ensure(prosodyTreeSpec('bookworm'), ({ phase }) => phases.push(phase));
    const ms = Math.round(performance.now() - started);
    assert.equal(tree.built, true);
    assert.equal(tree.dir, join(store, 'prosody', 'bookworm-backports-13.0.1'));
    assert.deepEqual([...new Set(phases)], ['check', 'lock', 'apt-update', 'resolve', 'download', 'unpack', 'manifest', 'done']);
    const { manifest } = tree;
    assert.equal(manifest.format, TREE_FORMAT);
    assert.equal(manifest.version, '13.0.1');
    assert.match(manifest.packageVersion, /^13\.0\.1-.*bpo12/);
    assert.equal(manifest.hostRelease, 'bookworm');
    const hostProsody = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'prosody'], { encoding: 'utf8' });
    assert.deepEqual(manifest.unpacked.find((p) => p.name === 'prosody'), {
      name: 'prosody',
      version: manifest.packageVersion,
      from: 'Debian Backports:oldstable-backports',
      architecture: 'amd64',
      hostVersion: hostProsody,
    });
    // Only what the host lacks: Prosody 13 runs with bookworm's Lua and Lua libraries.
    assert.deepEqual(Object.keys(manifest.installed).sort(), ['lua-unbound', 'prosody']);
    for (const name of ['lua5.4', 'lua-expat', 'lua-filesystem', 'libssl3']) assert.ok(manifest.hostDependencies[name], `relies on the host's ${name}`);
    assert.equal((await stat(tree.root)).mode & 0o777, 0o755);
    assert.equal((await readFile(join(tree.root, 'usr/lib/prosody/prosody.version'), 'utf8')).trim(), '13.0.1');
    console.log(`# prosody tree built in ${ms} ms (${Math.round(manifest.sizeBytes / 1e6)} MB): ${JSON.stringify(manifest.installed)}`);

    const again = await trees.ensure(prosodyTreeSpec('bookworm'));
    assert.equal(again.built, false);
    assert.equal(again.dir, tree.dir);
  });

  test('ejabberd 24.12: two builders at once share one build; only erlang-p1-* and friends come from backports', { timeout: 5 * 60_000 }, async () => {
    const other = new PackageTrees({ store, cacheDir: sharedCacheDir() });
    const [one, two] = await Promise.all([trees.ensure(ejabberdTreeSpec('bookworm')), other.ensure(ejabberdTreeSpec('bookworm'))]);
    assert.equal(one.dir, two.dir);
    assert.deepEqual([one.built, two.built].sort(), [false, true]);
    const { manifest } = one;
    assert.equal(manifest.version, '24.12');
    assert.ok(manifest.installed.ejabberd);
    for (const p of manifest.unpacked) {
      assert.ok(p.name === 'ejabberd' || p.name.startsWith('erlang-'), `${p.name} is an Erlang library`);
      assert.match(p.from, /Backports/, `${p.name} comes from backports`);
    }
    assert.ok(!manifest.installed['erlang-base'], "bookworm's Erlang runtime is enough");
    assert.ok(manifest.hostDependencies['erlang-base']);
    console.log(`# ejabberd tree: ${Object.entries(manifest.installed).map(([n, v]) => `${n} ${v}`).join(', ')}`);
  });

  test('the store lists both; the root filesystem reader of the same store does not mistake them for its own', async () => {
    const listed = await trees.list();
    assert.deepEqual(listed.map((tree) => tree.dir.slice(store.length + 1)), ['ejabberd/bookworm-backports-24.12', 'prosody/bookworm-backports-13.0.1']);
    assert.deepEqual(await new DebianRootfs({ store }).list(), []);
  });

  test('versions() after: system, the tree with its release, nothing left to install', async () => {
    const versions = await new EjabberdDriver().versions(trees);
    assert.deepEqual(
      versions.map((v) => [v.id, v.state, v.version]),
      [
        ['system', 'installed', '23.01'],
        ['bookworm-backports-24.12', 'installed', '24.12'],
      ],
    );
    assert.deepEqual(versions[1]!.release, { tree: join(store, 'ejabberd/bookworm-backports-24.12/root'), version: '24.12' });
    assert.deepEqual(versions[1]!.problems, []);
  });

  test('refused: a suite of another Debian release, and the version the host already has', { timeout: 2 * 60_000 }, async () => {
    await assert.rejects(trees.ensure({ name: 'prosody', suite: 'trixie-backports', packages: ['prosody'] }), { code: 'rootfs/invalid_spec', message: /not built for this host's Debian release \(bookworm\)/ });
    await assert.rejects(trees.ensure({ name: 'prosody', suite: 'bookworm', packages: ['prosody'] }), { code: 'rootfs/invalid_spec', message: /already what bookworm offers: use the system version/ });
    await assert.rejects(trees.ensure({ name: 'prosody', suite: 'bookworm', packages: ['prosody; rm'] }), { code: 'rootfs/invalid_spec' });
  });

  test("the host's apt sources, lists and dpkg database are unchanged", async () => {
    assert.equal(await fingerprint(), hostState);
  });
});
