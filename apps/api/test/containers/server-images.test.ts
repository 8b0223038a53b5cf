import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { PROSODY_BACKPORTS_IMAGE, PROSODY_BOOKWORM_IMAGE } from '../../src/drivers/prosody/prosody-images';
import { connectEngine } from '../../src/runtimes/container/engine';
import { type EnsuredServerImage, LABELS, type ServerImageSpec, ServerImages, importedId, sameImageName } from '../../src/runtimes/container/server-images';
import { DebianRootfs } from '../../src/runtimes/rootfs/debian-rootfs';
import { podmanSkipReason, startPodmanService, type TestEngine } from '../support/podman-service';
import { rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { CLI, runNode } from '../cli/run-node';

// Hearth's Prosody images, built from the shared test version store (two bookworm trees, ~30 s
// each when cold) and imported into a real Podman service whose image storage is kept between
// runs too; then each runs as an unprivileged uid without a network, from the instance
// directory bind-mounted at its own path, as the container runtime will run it.

const UID = 40123;
const skip = podmanSkipReason || rootfsSkipReason;

/** A non-TTY container's log: 8-byte frame headers (stream, 0, 0, 0, length) before each chunk. */
function demux(raw: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (let at = 0; at + 8 <= raw.length; ) {
    const length = raw.readUInt32BE(at + 4);
    const text = raw.subarray(at + 8, at + 8 + length).toString();
    if (raw[at] === 2) out.stderr += text;
    else out.stdout += text;
    at += 8 + length;
  }
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

test("the import's answer, as Docker and Podman give it", () => {
  const id = `sha256:${'ab'.repeat(32)}`;
  assert.equal(importedId(`{"status":"Importing","progressDetail":{"current":512}}\r\n{"status":"${id}"}\r\n`), id);
  assert.equal(importedId(`{"status":"${id}","progress":"","progressDetail":{},"id":"${id}"}\n`), id);
  assert.throws(() => importedId('{"errorDetail":{"message":"archive/tar: invalid tar header"},"error":"archive/tar: invalid tar header"}\r\n'), {
    code: 'image/import_failed',
    message: /invalid tar header/,
  });
  assert.throws(() => importedId(''), { code: 'image/import_failed' });
});

test('image names as each engine reports them', () => {
  assert.ok(sameImageName('docker.io/hearth/prosody:bookworm', 'hearth/prosody:bookworm'));
  assert.ok(sameImageName('localhost/hearth/prosody:bookworm', 'hearth/prosody:bookworm'));
  assert.ok(!sameImageName('hearth/prosody:bookworm', 'hearth/prosody:bookworm-backports'));
  assert.ok(!sameImageName('quay.io/hearth/prosody:bookworm', 'hearth/prosody:bookworm'));
});

describe('Hearth-built Prosody images', { skip, timeout: 15 * 60_000 }, () => {
  let podman: TestEngine;
  let engine: Docker;
  let images: ServerImages;
  let rootfs: DebianRootfs;
  let instanceDir: string;
  const ensured = new Map<ServerImageSpec, EnsuredServerImage>();
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    podman = await startPodmanService();
    engine = podman.engine;
    rootfs = new DebianRootfs({ store: testVersionStore() });
    images = new ServerImages({ engine, rootfs });
    // The instance directory as Hearth makes it: the instance's own, closed to everyone else.
    instanceDir = await mkdtemp(join(tmpdir(), 'hearth-image-test-'));
    await mkdir(join(instanceDir, 'data'));
    await mkdir(join(instanceDir, 'certs'));
    await writeFile(
      join(instanceDir, 'prosody.cfg.lua'),
      [
        `pidfile = "${instanceDir}/prosody.pid"`,
        `data_path = "${instanceDir}/data"`,
        `certificates = "${instanceDir}/certs"`,
        `log = { info = "${instanceDir}/prosody.log" }`,
        'interfaces = { "127.0.0.1" }',
        // A port of this file's own range (29500-29509): the container shares the host's network.
        'c2s_ports = { 29500 }',
        'http_ports = {}; https_ports = {}; s2s_ports = {}; c2s_direct_tls_ports = {}; legacy_ssl_ports = {}; component_ports = {}',
        'modules_disabled = { "s2s" }',
        'storage = "sql"',
        'sql = { driver = "SQLite3", database = "prosody.sqlite" }',
        'VirtualHost "images.test"',
        '',
      ].join('\n'),
    );
    for (const path of ['', 'data', 'certs', 'prosody.cfg.lua']) await chown(join(instanceDir, path), UID, UID);
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await podman?.stop();
    if (instanceDir) await rm(instanceDir, { recursive: true, force: true });
  });

  /** Creates a container of the image as UID, network none, the instance directory at its own path; removed after the tests. */
  async function container(image: EnsuredServerImage, argv: string[]): Promise<Docker.Container> {
    const created = await engine.createContainer({
      Image: image.reference,
      Entrypoint: argv.slice(0, 1),
      Cmd: argv.slice(1),
      User: `${UID}:${UID}`,
      HostConfig: { NetworkMode: 'none', Binds: [`${instanceDir}:${instanceDir}`] },
    });
    cleanup.push(() => created.remove({ force: true }));
    return created;
  }

  for (const [spec, major] of [
    [PROSODY_BOOKWORM_IMAGE, /^0\.12\.\d+$/],
    [PROSODY_BACKPORTS_IMAGE, /^13\.\d+\.\d+$/],
  ] as const) {
    test(`${spec.tag}: ensured, labelled with what it is`, async () => {
      const started = Date.now();
      const image = await images.ensure(spec);
      console.log(`# ${spec.tag}: ensure() took ${Date.now() - started} ms (imported: ${image.imported})`);
      ensured.set(spec, image);
      assert.match(image.version, major);
      assert.match(image.reference, /^(?:docker\.io\/|localhost\/)?hearth\/prosody:/);
      const tree = await rootfs.find(spec.rootfs);
      assert.ok(tree, 'the tree is in the version store');
      assert.equal(image.packageVersion, tree.manifest.installed.prosody);
      assert.ok(image.packageVersion.startsWith(image.version));

      const labels = (await engine.getImage(image.reference).inspect()).Config.Labels ?? {};
      assert.equal(labels[LABELS.server], 'prosody');
      assert.equal(labels[LABELS.version], image.version);
      assert.equal(labels[LABELS.packageVersion], image.packageVersion);
      assert.equal(labels[LABELS.rootfs], `prosody-image/${basename(tree.dir)}`);
      assert.equal(labels[LABELS.rootfsBuilt], tree.manifest.builtAt);
    });

    test(`${spec.tag}: prosodyctl about, as uid ${UID} without a network, prints the labelled version`, async () => {
      const image = ensured.get(spec);
      assert.ok(image, 'ensured by the test before');
      const about = await container(image, ['/usr/bin/prosodyctl', '--config', join(instanceDir, 'prosody.cfg.lua'), 'about']);
      await about.start();
      assert.equal((await about.wait()).StatusCode, 0);
      const { stdout } = demux((await about.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
      assert.match(stdout, new RegExp(`^Prosody ${image.version.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(stdout, /^LuaDBI:\s+0\.7/m, 'lua-dbi-sqlite3 is there for storage = "sql"');
      if (spec === PROSODY_BACKPORTS_IMAGE) assert.match(stdout, /^luaunbound:/m);
    });

    test(`${spec.tag}: prosody -F serves from the bind-mounted instance directory and stops cleanly`, async () => {
      const image = ensured.get(spec);
      assert.ok(image, 'ensured by the test before');
      const log = join(instanceDir, 'prosody.log');
      await rm(log, { force: true });
      const server = await container(image, ['/usr/bin/prosody', '--config', join(instanceDir, 'prosody.cfg.lua'), '-F']);
      await server.start();
      const text = () => readFile(log, 'utf8').catch(() => '');
      await waitFor('Prosody to listen', async () => /Activated service 'c2s' on \[127\.0\.0\.1\]:29500/.test(await text()));
      assert.equal((await stat(log)).uid, UID, 'the server ran as the instance uid');
      await server.stop({ t: 10 });
      assert.equal((await server.inspect()).State.ExitCode, 0);
      const written = await text();
      assert.match(written, new RegExp(`Hello and welcome to Prosody version ${image.version.replace(/\./g, '\\.')}`));
      assert.match(written, /Shutdown complete/);
      // Prosody 13's resolver failed at start-up in an image without /etc/resolv.conf (network none).
      assert.doesNotMatch(written, /\terror\t/);
    });
  }

  test('a second ensure() imports nothing; find() and list() report both images', async () => {
    for (const [spec, first] of ensured) {
      const started = Date.now();
      const again = await images.ensure(spec);
      const ms = Date.now() - started;
      console.log(`# ${spec.tag}: second ensure() took ${ms} ms`);
      assert.equal(again.imported, false);
      assert.equal(again.imageId, first.imageId);
      assert.deepEqual(await images.find(spec), { reference: first.reference, version: first.version, packageVersion: first.packageVersion, imageId: first.imageId, rootfs: first.rootfs });
    }
    const listed = await images.list('prosody');
    for (const image of ensured.values()) assert.ok(listed.some((entry) => entry.reference === image.reference && entry.version === image.version));
    assert.deepEqual(await images.list('ejabberd'), []);
  });

  test('a name that points at an image of another tree gets a fresh import; that image keeps its other name', async () => {
    const bookworm = ensured.get(PROSODY_BOOKWORM_IMAGE);
    const backports = ensured.get(PROSODY_BACKPORTS_IMAGE);
    assert.ok(bookworm && backports, 'ensured by the tests before');
    const spec: ServerImageSpec = { ...PROSODY_BOOKWORM_IMAGE, tag: `test-${process.pid}` };
    await engine.getImage(backports.imageId).tag({ repo: 'hearth/prosody', tag: spec.tag });
    cleanup.push(() => engine.getImage(`hearth/prosody:${spec.tag}`).remove());
    assert.equal((await images.find(spec))?.imageId, backports.imageId);

    const replaced = await images.ensure(spec);
    assert.equal(replaced.imported, true);
    assert.notEqual(replaced.imageId, backports.imageId);
    assert.equal(replaced.rootfs, bookworm.rootfs);
    assert.equal((await images.ensure(spec)).imported, false);
    // ensure() removes the image a name pointed at only once nothing else names or uses it.
    assert.equal((await engine.getImage(backports.reference).inspect()).Id, backports.imageId);
  });

  test('an engine that is not there is reported as such', async () => {
    const nowhere = new ServerImages({ engine: connectEngine(join(tmpdir(), 'hearth-no-engine.sock')), rootfs });
    await assert.rejects(nowhere.find(PROSODY_BOOKWORM_IMAGE), { code: 'image/engine_unreachable' });
    await assert.rejects(nowhere.list('prosody'), { code: 'image/engine_unreachable' });
  });

  test('hearth images: build finds what is built, list shows it; needs no database', async () => {
    const hearth = (args: string[], socket = podman.socketPath) => runNode(CLI, args, { HEARTH_VERSION_STORE: testVersionStore(), HEARTH_CONTAINER_SOCKET: socket });
    const built = await hearth(['images', 'build', 'prosody', '--tag', 'bookworm']);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /Already there: \S*hearth\/prosody:bookworm  prosody 0\.12\.\d+ /);
    const listed = await hearth(['images', 'list']);
    assert.match(listed.stdout, /hearth\/prosody:bookworm-backports  prosody 13\./);
    const unknown = await hearth(['images', 'build', 'prosody', '--tag', 'trixie']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no prosody image tagged trixie; it builds hearth\/prosody:bookworm, hearth\/prosody:bookworm-backports/);
    const noEngine = await hearth(['images', 'list'], join(tmpdir(), 'hearth-no-engine.sock'));
    assert.equal(noEngine.code, 1);
    assert.match(noEngine.stderr, /does not answer/);
  });
});
