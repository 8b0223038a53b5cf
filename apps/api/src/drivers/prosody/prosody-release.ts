import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileEntry } from '../../runtimes/runtime';
import type { PackageTreeSpec } from '../../runtimes/packages/package-tree';
import { type ImageRelease, isImageRelease, isSystemTree, majorVersion, treeEnvironment } from '../../runtimes/packages/server-versions';
import { DriverError, type InstanceSpec } from '../driver';
import { findExecutable, readTextIfExists } from '../host-programs';
import { luaString } from './prosody-admin-socket';

/**
 * Which Prosody an instance runs: the host's (/usr/bin/prosody) or one unpacked into the version
 * store (a package tree), and which configuration dialect it reads. A tree's prosody and prosodyctl
 * are Lua scripts that name their source directory at the top (CFG_SOURCEDIR='/usr/lib/prosody'):
 * the instance gets its own copies pointing into the tree, run with the host's Lua, and Lua
 * libraries the tree brought along (e.g. lua-unbound) found first through LUA_PATH/LUA_CPATH.
 */

/** 0.12 (bookworm) or 13 (bookworm-backports and later): what renderProsodyConfig writes for. */
export type ProsodyDialect = '0.12' | '13';

export function prosodyDialect(version: string | undefined): ProsodyDialect {
  return version !== undefined && majorVersion(version) >= 13 ? '13' : '0.12';
}

/** Where a tree-run instance keeps its launchers (inside the instance directory). */
export const PROSODY_LAUNCHERS = { prosody: 'bin/prosody', prosodyctl: 'bin/prosodyctl' } as const;

/**
 * The Prosody 13 tree Hearth installs on a host of this Debian release: backports' prosody, and
 * lua-unbound (13 warns at every start without it and falls back to its old DNS resolver; it is
 * only a recommendation of the package, and not installed with bookworm's 0.12).
 */
export function prosodyTreeSpec(hostRelease: string): PackageTreeSpec {
  return { name: 'prosody', suite: `${hostRelease}-backports`, packages: ['prosody', 'lua-unbound'] };
}

export interface ProsodyProgram {
  /** The upstream version found in the tree, e.g. 13.0.1. */
  readonly version: string | undefined;
  readonly dialect: ProsodyDialect;
  /** Absolute paths of the server and prosodyctl (the instance's launchers when it runs from a tree). */
  readonly prosody: string;
  readonly prosodyctl: string;
  /** Given to both. */
  readonly env: Readonly<Record<string, string>>;
  /** Launchers to write into the instance directory (none for the host's Prosody). */
  readonly files: readonly FileEntry[];
  /** The container image it runs in (an image release), for the runtime. */
  readonly image?: string;
}

const INSTALL_HINT = 'apt-get install prosody lua-dbi-sqlite3';

/** The host's (no release, or tree '/') or the tree's Prosody for this instance; throws a DriverError if it isn't there. */
export async function prosodyProgram(spec: InstanceSpec): Promise<ProsodyProgram> {
  const release = spec.release;
  if (isSystemTree(release)) {
    const prosody = await findExecutable('prosody');
    if (!prosody) throw new DriverError('driver/unavailable', `Prosody is not installed: ${INSTALL_HINT}`);
    const version = await sourceVersion(await readTextIfExists(prosody), '');
    if (release && version && majorVersion(version) !== majorVersion(release.version)) {
      throw new DriverError('spec/invalid', `The instance is set to run Prosody ${release.version}, but this host has ${version}`);
    }
    return { version, dialect: prosodyDialect(version ?? release?.version), prosody, prosodyctl: (await findExecutable('prosodyctl')) ?? 'prosodyctl', env: {}, files: [] };
  }
  if (isImageRelease(release)) return imageProgram(release);
  return treeProgram(spec, release!);
}

/**
 * Prosody as Debian packaged it in one of Hearth's images (prosody-images.ts): the packaged
 * scripts at their usual paths, reading the config the instance directory holds (bind-mounted
 * at the same path).
 */
function imageProgram(release: ImageRelease): ProsodyProgram {
  return { version: release.version, dialect: prosodyDialect(release.version), prosody: '/usr/bin/prosody', prosodyctl: '/usr/bin/prosodyctl', env: {}, files: [], image: release.image };
}

async function treeProgram(spec: InstanceSpec, release: { tree: string; version: string }): Promise<ProsodyProgram> {
  const tree = release.tree;
  if (!tree.startsWith('/') || /[\s'"\\]/.test(tree)) throw new DriverError('spec/invalid', `Not a usable tree path: ${JSON.stringify(tree)}`);
  const server = await readTextIfExists(join(tree, 'usr/bin/prosody'));
  const ctl = await readTextIfExists(join(tree, 'usr/bin/prosodyctl'));
  if (!server || !ctl) throw new DriverError('driver/unavailable', `No Prosody in ${tree} (usr/bin/prosody): install that version again`);
  const version = await sourceVersion(server, tree);
  if (version !== release.version) {
    throw new DriverError('spec/invalid', `${tree} holds Prosody ${version ?? 'of an unknown version'}, not ${release.version}`);
  }
  const interpreter = /^#!\S*\s+(lua[\d.]+)|^#!\S*\/(lua[\d.]+)/.exec(server);
  const lua = interpreter?.[1] ?? interpreter?.[2];
  if (!lua) throw new DriverError('driver/unavailable', `Cannot tell which Lua runs ${join(tree, 'usr/bin/prosody')}`);
  // The tree's own interpreter if it brought one (its libraries come with LD_LIBRARY_PATH), else the host's.
  const luaBinary = (await readTextIfExists(join(tree, 'usr/bin', lua))) !== undefined ? join(tree, 'usr/bin', lua) : await findExecutable(lua);
  if (!luaBinary) throw new DriverError('driver/unavailable', `${lua} is not installed: apt-get install ${lua}`);

  const paths = {
    sourceDir: join(tree, 'usr/lib/prosody'),
    pluginDir: join(tree, 'usr/lib/prosody/modules') + '/',
    configDir: join(spec.dir, 'conf'),
    dataDir: join(spec.dir, 'data'),
  };
  const env = { ...(await luaEnvironment(tree, lua.replace(/^lua/, ''))), ...(await treeEnvironment(tree)) };
  return {
    version,
    dialect: prosodyDialect(version),
    prosody: join(spec.dir, PROSODY_LAUNCHERS.prosody),
    prosodyctl: join(spec.dir, PROSODY_LAUNCHERS.prosodyctl),
    env,
    files: [
      { path: 'bin', directory: true, mode: 0o700 },
      { path: PROSODY_LAUNCHERS.prosody, content: launcher(server, luaBinary, paths), mode: 0o700 },
      { path: PROSODY_LAUNCHERS.prosodyctl, content: launcher(ctl, luaBinary, paths), mode: 0o700 },
    ],
  };
}

/**
 * A copy of the tree's prosody or prosodyctl script whose paths point into the tree (sources,
 * core modules) and into the instance directory (config, data): nothing of the host's /etc/prosody,
 * /usr/lib/prosody or /var/lib/prosody is used.
 */
export function launcher(script: string, luaBinary: string, paths: { sourceDir: string; pluginDir: string; configDir: string; dataDir: string }): string {
  const lines: Record<string, string> = {
    CFG_SOURCEDIR: paths.sourceDir,
    CFG_CONFIGDIR: paths.configDir,
    CFG_PLUGINDIR: paths.pluginDir,
    CFG_DATADIR: paths.dataDir,
  };
  let patched = script.replace(/^#!.*$/m, `#!${luaBinary}\n-- Hearth: this instance's copy, pointing into its version tree.`);
  for (const [name, value] of Object.entries(lines)) {
    const pattern = new RegExp(`^${name}\\s*=.*$`, 'm');
    if (!pattern.test(patched)) throw new DriverError('driver/unavailable', `This Prosody script has no ${name} line Hearth could point into its tree`);
    patched = patched.replace(pattern, () => `${name}=${luaString(value)};`);
  }
  return patched;
}

/** LUA_PATH/LUA_CPATH for the tree's Lua libraries (first), then Lua's defaults (";;"). */
async function luaEnvironment(tree: string, luaVersion: string): Promise<Record<string, string>> {
  const suffix = luaVersion.replace('.', '_');
  const scripts = [join(tree, 'usr/share/lua', luaVersion)];
  const modules = [join(tree, 'usr/lib/lua', luaVersion)];
  for (const entry of await readdir(join(tree, 'usr/lib')).catch(() => [] as string[])) {
    if (/-linux-gnu/.test(entry)) modules.push(join(tree, 'usr/lib', entry, 'lua', luaVersion));
  }
  const existing = async (dirs: string[]) => (await Promise.all(dirs.map(async (dir) => ((await readdir(dir).catch(() => undefined)) ? dir : undefined)))).filter(Boolean) as string[];
  const env: Record<string, string> = {};
  const luaDirs = await existing(scripts);
  const soDirs = await existing(modules);
  if (luaDirs.length > 0) env[`LUA_PATH_${suffix}`] = [...luaDirs.flatMap((dir) => [`${dir}/?.lua`, `${dir}/?/init.lua`]), ''].join(';') + ';';
  if (soDirs.length > 0) env[`LUA_CPATH_${suffix}`] = [...soDirs.map((dir) => `${dir}/?.so`), ''].join(';') + ';';
  return env;
}

/** The version file next to the sources a prosody script names (CFG_SOURCEDIR), looked up under root. */
async function sourceVersion(script: string | undefined, root: string): Promise<string | undefined> {
  const sourceDir = /^CFG_SOURCEDIR\s*=\s*'([^']+)'/m.exec(script ?? '')?.[1] ?? '/usr/lib/prosody';
  return (await readTextIfExists(join(root || '/', sourceDir, 'prosody.version')))?.trim();
}
