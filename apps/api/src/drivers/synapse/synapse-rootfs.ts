import type { RootfsSpec } from '../../runtimes/rootfs/debian-rootfs';

/**
 * Synapse is not in Debian stable or its backports, but sid packages it: Hearth runs it from a
 * sid root filesystem of its own, built once into the version store and shared by every
 * Synapse instance (read-only to them: each instance's files live in its own directory).
 */
export const SYNAPSE_ROOTFS: RootfsSpec = { name: 'synapse', suite: 'sid', packages: ['matrix-synapse'] };
