import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Driver, InstanceContext, InstanceSpec } from '../../src/drivers/driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { type PackageTree, type PackageTreeSpec, PackageTrees } from '../../src/runtimes/packages/package-tree';
import { allocatePorts } from '../../src/runtimes/ports';
import type { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { testVersionStore } from '../support/synapse-rootfs';

/**
 * The version trees the tests run servers from live in the store test runs share (beside
 * Synapse's root filesystem, see ../support/synapse-rootfs.ts): the first run downloads and
 * unpacks them (~10 s each), later runs find them. Tests of the builder itself build into
 * temporary stores but share this store's download cache and package lists (sharedCacheDir).
 */
export { testVersionStore };

/** The shared store's download cache: .deb files and the private apt lists next to them. */
export function sharedCacheDir(): string {
  return join(testVersionStore(), '.cache', 'debs');
}

/** Resolving with the host's dpkg database and unpacking need a Debian host with apt; running servers as nobody needs root. */
export const treesSkipReason: string | false =
  process.getuid?.() !== 0 ? 'needs root (apt in a private configuration, servers run as nobody)' : !existsSync('/usr/bin/apt-get') ? 'needs apt-get (a Debian host)' : false;

let shared: PackageTrees | undefined;

/** A tree in the shared test store: built on first use, found afterwards. */
export function ensureSharedTree(spec: PackageTreeSpec): Promise<PackageTree> {
  shared ??= new PackageTrees({ store: testVersionStore() });
  return shared.ensure(spec);
}

export function sharedTrees(): PackageTrees {
  shared ??= new PackageTrees({ store: testVersionStore() });
  return shared;
}

/** What InstanceSpec.release takes to run a tree. */
export function releaseOf(tree: PackageTree): NonNullable<InstanceSpec['release']> {
  return { tree: tree.root, version: tree.manifest.version };
}

/** A new instance context (not started) on ports from the file's own range. */
export async function newContext(
  driver: Driver,
  runtime: ProcessRuntime,
  base: string,
  id: string,
  range: { first: number; last: number },
  taken: Set<number>,
  release?: InstanceSpec['release'],
): Promise<InstanceContext> {
  const ports = await allocatePorts(driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })), { taken, range });
  for (const port of Object.values(ports)) taken.add(port);
  const spec: InstanceSpec = { id, kind: driver.kind, domain: `${id}.test`, bindAddress: '127.0.0.1', dir: join(base, id), ports, settings: {}, ...(release ? { release } : {}) };
  return { spec, runtime, secrets: generateSecrets(driver) };
}

/**
 * An upgrade (or a downgrade) of a stopped instance as the upgrade plan will do it: the same
 * instance directory and data, the spec switched to another release, rendered again, started,
 * health-gated, bootstrapped. Answers the new context and how long the start took to be healthy.
 */
export async function switchRelease(driver: Driver, context: InstanceContext, release: InstanceSpec['release']): Promise<{ context: InstanceContext; readyMs: number }> {
  await context.runtime.stop(context.spec);
  const { release: _old, ...rest } = context.spec;
  const spec: InstanceSpec = release ? { ...rest, release } : rest;
  const next: InstanceContext = { ...context, spec };
  const rendered = await driver.render(spec, next.secrets);
  await next.runtime.writeFiles(spec, rendered.files);
  await driver.prepare(next);
  const started = performance.now();
  await next.runtime.start({ ...spec, process: rendered.process });
  await waitHealthy(driver, next, { timeoutMs: 60_000 });
  const readyMs = Math.round(performance.now() - started);
  await driver.bootstrap(next);
  return { context: next, readyMs };
}
