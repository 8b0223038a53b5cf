import type { ServerImageSpec } from '../../runtimes/container/server-images';

/**
 * Hearth's container images of Prosody, built from Debian bookworm trees (ServerImages). Only
 * Debian's packages are in them: Hearth runs `prosody --config <instance dir>/prosody.cfg.lua -F`
 * as the instance's own unprivileged uid (no passwd entry needed: Prosody switches users only
 * when started as root), with the instance directory bind-mounted at its host path, so the
 * image needs no user, command or configuration of its own.
 *
 * lua-dbi-sqlite3 is only suggested by prosody, but Hearth's configuration stores in SQLite.
 * ca-certificates lets an instance with federation open verify other servers' certificates
 * (Prosody looks in /etc/ssl/certs); the host's Prosody has it from the host.
 */

/** Prosody 0.12.3, as bookworm packages it. */
export const PROSODY_BOOKWORM_IMAGE: ServerImageSpec = {
  server: 'prosody',
  tag: 'bookworm',
  package: 'prosody',
  rootfs: { name: 'prosody-image', suite: 'bookworm', packages: ['prosody', 'lua-dbi-sqlite3', 'ca-certificates'] },
};

/**
 * Prosody 13 from bookworm-backports; everything it depends on comes from bookworm itself
 * (lua5.4-* are provided by bookworm's lua-* packages). lua-unbound is only recommended, but
 * without it 13 warns at every start and falls back to its old DNS resolver.
 */
export const PROSODY_BACKPORTS_IMAGE: ServerImageSpec = {
  server: 'prosody',
  tag: 'bookworm-backports',
  package: 'prosody',
  rootfs: {
    name: 'prosody-image',
    suite: 'bookworm',
    extraSuites: ['bookworm-backports'],
    packages: ['prosody/bookworm-backports', 'lua-dbi-sqlite3', 'lua-unbound', 'ca-certificates'],
  },
};

/** Oldest first. */
export const PROSODY_IMAGES: readonly ServerImageSpec[] = [PROSODY_BOOKWORM_IMAGE, PROSODY_BACKPORTS_IMAGE];
