import { existsSync } from 'node:fs';
import { SYNAPSE_ROOTFS } from '../../src/drivers/synapse/synapse-rootfs';
import { DebianRootfs, type ProgressCallback, type RootfsResult } from '../../src/runtimes/rootfs/debian-rootfs';

/**
 * The version store that test runs share, and that `.ci/run` fills first with
 * `hearth versions install synapse`: Synapse's sid root filesystem (~90 s cold) is built into it
 * once and reused by every later run. It lives outside the checkout so a fresh clone finds it.
 */
export function testVersionStore(): string {
  return process.env.HEARTH_TEST_VERSION_STORE ?? '/var/cache/hearth-test/versions';
}

/** Building a root filesystem needs root (debootstrap, chroot, mount namespaces) and debootstrap. */
export const canBuildRootfs = process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap');

/** For node:test's `skip` option: false where a root filesystem can be built, else why not. */
export const rootfsSkipReason: string | false = canBuildRootfs ? false : 'needs root and debootstrap (apt-get install debootstrap)';

// One instance per test process, so concurrent callers in it share one build; other test
// processes wait at the store's lock and then reuse what this one built.
let shared: DebianRootfs | undefined;

/** Synapse's root filesystem in the shared test store: built on first use, reused afterwards. */
export function ensureSynapseRootfs(onProgress?: ProgressCallback): Promise<RootfsResult> {
  shared ??= new DebianRootfs({ store: testVersionStore() });
  return shared.ensure(SYNAPSE_ROOTFS, onProgress);
}
