import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Account,
  type BackupLayout,
  type AccountSession,
  type Capability,
  type CreateUserOptions,
  type Detection,
  type Driver,
  DriverError,
  type FederationMode,
  type FederationReadBack,
  type InstanceContext,
  type InstanceSecrets,
  type InstanceSpec,
  type KnobReading,
  type PortRequirement,
  type ProbeCheck,
  type ProbeResult,
  type RenderResult,
  type ServerKnob,
  type SessionInfo,
  type SnapshotFacts,
} from '../driver';
import { ensureSelfSignedCertificate } from '../certificates';
import { findExecutable, readTextIfExists } from '../host-programs';
import { snapshotSqlite, sqliteFiles } from '../sqlite-snapshot';
import { checkPassword, checkSocketPath, checkUsername, probeHost, retentionKnobs, validateSpec } from '../validation';
import { probeClientPort } from '../xmpp-probe';
import { type ReplResult, luaString, runAdminCommands, shellCall, xmlCharacters } from './prosody-admin-socket';
import { effectiveProsodyFederation } from './prosody-federation';
import { PROSODY_UNSUPPORTED_KNOBS, effectiveProsodyRetention, enforceProsodyRetention } from './prosody-retention';
import { PROSODY_DATABASE, PROSODY_FEDERATION_MODES, PROSODY_PATHS, S2S_PORT, renderProsodyConfig } from './prosody.config';
import { PROSODY_IMAGES } from './prosody-images';
import { PROSODY_LAUNCHERS, prosodyProgram, prosodyTreeSpec } from './prosody-release';
import type { PackageTrees } from '../../runtimes/packages/package-tree';
import { type ServerVersion, serverVersions } from '../../runtimes/packages/server-versions';

const execFileAsync = promisify(execFile);

const INSTALL_HINT = 'apt-get install prosody lua-dbi-sqlite3';

/** What a client is told when the operator ends its session. */
const REVOKED_TEXT = "Session ended by the server's operator";

/**
 * Prosody 0.12 (Debian bookworm) or 13 (bookworm-backports, run from a package tree of the version
 * store: spec.release), administered through its admin shell socket, which both speak alike.
 */
export class ProsodyDriver implements Driver {
  readonly kind = 'prosody';
  readonly displayName = 'Prosody';
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'users.list',
    'users.create',
    'users.password',
    'users.delete',
    'sessions.list',
    'sessions.revoke',
    // No 'users.deactivate': Prosody 0.12 has no way to lock an account and keep it (13 has user:disable).
    'retention.messages',
    'retention.files',
    'metrics.openmetrics',
    'federation.policy',
    'server-notices',
  ]);
  readonly portNames: readonly PortRequirement[] = [
    { name: 'client', bind: 'instance', description: 'XMPP client connections (c2s)' },
    { name: 'http', bind: 'loopback', description: 'OpenMetrics /metrics and file sharing, behind a proxy' },
  ];
  readonly federationModes: readonly FederationMode[] = PROSODY_FEDERATION_MODES;
  readonly unsupportedKnobs: Readonly<Partial<Record<ServerKnob, string>>> = PROSODY_UNSUPPORTED_KNOBS;
  readonly federationPort = S2S_PORT;
  readonly images = PROSODY_IMAGES;
  readonly secretNames: readonly string[] = [];
  // It logs to stdout, which is the console log.
  readonly logFiles: readonly string[] = [];
  readonly backupLayout: BackupLayout = {
    include: [PROSODY_PATHS.config, PROSODY_PATHS.certs, PROSODY_PATHS.data],
    // Storage is SQLite (sql in the config): the snapshot holds a consistent copy of the database.
    exclude: sqliteFiles(PROSODY_DATABASE),
    secrets: [],
    state: [PROSODY_PATHS.config, PROSODY_PATHS.certs, PROSODY_PATHS.data],
  };

  async detect(): Promise<Detection> {
    const binary = await findExecutable('prosody');
    if (!binary) return { available: false, installHint: INSTALL_HINT };
    const script = (await readTextIfExists(binary)) ?? '';
    const sourceDir = /^CFG_SOURCEDIR\s*=\s*'([^']+)'/m.exec(script)?.[1] ?? '/usr/lib/prosody';
    const version = (await readTextIfExists(join(sourceDir, 'prosody.version')))?.trim();
    const problems: string[] = [];
    const lua = /^#!\S*\s+(lua[\d.]*)|^#!(\S*lua[\d.]*)/m.exec(script);
    const interpreter = lua?.[1] ?? lua?.[2] ?? 'lua';
    try {
      // Prosody's SQL storage needs LuaDBI's SQLite driver for its own Lua version.
      await execFileAsync(interpreter, ['-e', 'require "DBI"; require "dbd.sqlite3"'], { timeout: 5_000 });
    } catch {
      problems.push('LuaDBI with its SQLite driver is missing (SQLite storage): apt-get install lua-dbi-sqlite3');
    }
    if (!(await findExecutable('openssl'))) problems.push('openssl is missing: self-signed certificates are not available (apt-get install openssl)');
    const blocking = problems.filter((problem) => problem.startsWith('LuaDBI'));
    return {
      available: blocking.length === 0,
      version,
      binary,
      installHint: blocking.length > 0 ? 'apt-get install lua-dbi-sqlite3' : INSTALL_HINT,
      problems,
    };
  }

  async render(spec: InstanceSpec, _secrets: InstanceSecrets): Promise<RenderResult> {
    validateSpec(spec, this.portNames);
    retentionKnobs(spec);
    checkSocketPath(join(spec.dir, PROSODY_PATHS.adminSocket));
    // The host's /usr/bin/prosody, or this instance's launcher of a version tree (spec.release).
    const program = await prosodyProgram(spec);
    return {
      files: [
        { path: PROSODY_PATHS.data, directory: true, mode: 0o700 },
        { path: PROSODY_PATHS.run, directory: true, mode: 0o700 },
        { path: PROSODY_PATHS.certs, directory: true, mode: 0o700 },
        ...program.files,
        { path: PROSODY_PATHS.config, content: renderProsodyConfig(spec, program.dialect), mode: 0o600 },
      ],
      // -F: foreground, so the process the runtime started is the server itself.
      process: { command: program.prosody, args: ['--config', join(spec.dir, PROSODY_PATHS.config), '-F'], env: { ...program.env }, ...(program.image ? { image: program.image } : {}) },
    };
  }

  /**
   * `prosodyctl check config` of a version (default: the one the instance is set to run) on the
   * config rendered for it, as the instance's user. The config and launcher go to a scratch
   * directory (run/config-check), never over the live ones: an upgrade checks its target this way
   * while the old version still runs.
   */
  async checkConfig(context: InstanceContext, release: InstanceSpec['release'] = context.spec.release): Promise<{ readonly ok: boolean; readonly output: string }> {
    const { release: _current, ...rest } = context.spec;
    const spec: InstanceSpec = release ? { ...rest, release } : rest;
    const program = await prosodyProgram(spec);
    const scratch = join(PROSODY_PATHS.run, 'config-check');
    const ctl = program.files.find((file) => file.path === PROSODY_LAUNCHERS.prosodyctl);
    await context.runtime.writeFiles(spec, [
      { path: scratch, directory: true, mode: 0o700 },
      { path: join(scratch, 'prosody.cfg.lua'), content: renderProsodyConfig(spec, program.dialect), mode: 0o600 },
      ...(ctl && 'content' in ctl ? [{ path: join(scratch, 'prosodyctl'), content: ctl.content, mode: 0o700 }] : []),
    ]);
    try {
      const command = ctl ? join(spec.dir, scratch, 'prosodyctl') : program.prosodyctl;
      const result = await context.runtime.exec(spec, command, ['--config', join(spec.dir, scratch, 'prosody.cfg.lua'), 'check', 'config'], {
        env: { ...program.env },
        timeoutMs: 60_000,
        // The target version's own image when an upgrade checks it beside the running server.
        ...(program.image ? { image: program.image } : {}),
      });
      const output = (result.stdout + result.stderr).trim();
      return { ok: result.code === 0 && !/Problems found/.test(output), output };
    } finally {
      await context.runtime.exec(spec, 'rm', ['-rf', '--', join(spec.dir, scratch)]).catch(() => undefined);
    }
  }

  /**
   * The host's Prosody, the trees of the version store, and the backports version this host can
   * install (PackageTrees.ensure(version.spec)); reads no network.
   */
  async versions(store: PackageTrees): Promise<ServerVersion[]> {
    const release = await store.hostRelease().catch(() => undefined);
    return serverVersions(store, {
      name: this.kind,
      systemPackage: 'prosody',
      detection: await this.detect(),
      installable: release ? [prosodyTreeSpec(release)] : [],
    });
  }

  prepare(context: InstanceContext): Promise<void> {
    return ensureSelfSignedCertificate(context);
  }

  async bootstrap(_context: InstanceContext): Promise<void> {
    // The admin socket needs no account.
  }

  /** Online: SQLite's backup API copies the database while Prosody keeps serving. */
  async snapshot({ spec }: InstanceContext, staging: string): Promise<SnapshotFacts> {
    await snapshotSqlite(join(spec.dir, PROSODY_DATABASE), join(staging, PROSODY_DATABASE));
    return {};
  }

  async probe(spec: InstanceSpec, options: { timeoutMs?: number } = {}): Promise<ProbeResult> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const [c2s, admin, metrics] = await Promise.all([
      probeClientPort(probeHost(spec.bindAddress), spec.ports.client, spec.domain, timeoutMs),
      this.probeAdmin(spec, timeoutMs),
      probeMetrics(spec.ports.http, timeoutMs),
    ]);
    const checks: ProbeCheck[] = [{ name: c2s.name, ok: c2s.ok, detail: c2s.detail, latencyMs: c2s.latencyMs }, admin.check, metrics];
    return { ok: checks.every((check) => check.ok), latencyMs: c2s.latencyMs ?? 0, checks, version: admin.version };
  }

  async createUser(context: InstanceContext, username: string, password: string, options: CreateUserOptions = {}): Promise<void> {
    checkUsername(username);
    checkPassword(password);
    const jid = `${username}@${context.spec.domain}`;
    const [created] = await this.shell(context.spec, [shellCall('user:create', jid, password)]);
    if (created.ok) return;
    if (/User exists/.test(created.message)) {
      if (options.ifExists === 'set-password') return this.changePassword(context, username, password);
      throw new DriverError('user/exists', `${jid} already exists`);
    }
    throw adminFailure('user:create', created);
  }

  async listUsers({ spec }: InstanceContext): Promise<string[]> {
    const [listed] = await this.shell(spec, [shellCall('user:list', spec.domain)]);
    if (!listed.ok) throw adminFailure('user:list', listed);
    const suffix = `@${spec.domain}`;
    return listed.output.filter((line) => line.endsWith(suffix)).map((line) => line.slice(0, -suffix.length)).sort();
  }

  async changePassword({ spec }: InstanceContext, username: string, password: string): Promise<void> {
    checkUsername(username);
    checkPassword(password);
    const jid = `${username}@${spec.domain}`;
    const [changed] = await this.shell(spec, [shellCall('user:password', jid, password)]);
    if (changed.ok) return;
    if (isNoSuchUser(changed)) throw notFound(jid);
    throw adminFailure('user:password', changed);
  }

  /**
   * user:delete removes the account, ends its sessions and purges everything the SQL storage holds
   * for it (storagemanager.purge: every row of the prosody and prosodyarchive tables, so its message
   * archive and offline messages too), whether or not mod_mam is loaded at the time.
   */
  async deleteUser({ spec }: InstanceContext, username: string): Promise<boolean> {
    checkUsername(username);
    const jid = `${username}@${spec.domain}`;
    const [deleted] = await this.shell(spec, [shellCall('user:delete', jid)]);
    if (deleted.ok) return true;
    if (isNoSuchUser(deleted)) return false;
    throw adminFailure('user:delete', deleted);
  }

  async listSessions({ spec }: InstanceContext): Promise<SessionInfo[]> {
    // The shell's c2s:show() prints a table meant for people (with IP addresses); this reads the sessions directly.
    const [listed] = await this.shell(spec, [
      '>local now = require "util.time".now() for jid, session in pairs(prosody.full_sessions) do print(jid .. " " .. math.floor(now - (session.conntime or now))) end',
    ]);
    if (!listed.ok) throw adminFailure('sessions', listed);
    return listed.output
      .map((line) => /^(\S+) (\d+)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ jid: match[1], connectedSeconds: Number(match[2]) }))
      .sort((a, b) => a.jid.localeCompare(b.jid));
  }

  /** Admin rights stay unknown (the config names admins; 0.12's roles are not read); last activity would need mod_lastactivity, which isn't loaded. */
  async listAccounts(context: InstanceContext): Promise<Account[]> {
    return (await this.listUsers(context)).map((username) => ({ username, admin: null, deactivated: false, lastSeenAt: null, displayName: null }));
  }

  /** The account's resources, read from prosody.bare_sessions (c2s:show() prints a table for people, with IP addresses). */
  async accountSessions({ spec }: InstanceContext, username: string): Promise<AccountSession[]> {
    checkUsername(username);
    const [listed] = await this.shell(spec, [
      `>local user, host = ${luaString(username)}, ${luaString(spec.domain)} ` +
        'if not require "core.usermanager".user_exists(user, host) then return nil, "No such user" end ' +
        'local now, bare = require "util.time".now(), prosody.bare_sessions[user .. "@" .. host] ' +
        'for resource, session in pairs(bare and bare.sessions or {}) do print(math.floor(now - (session.conntime or now)) .. " " .. resource) end',
    ]);
    if (isNoSuchUser(listed)) throw notFound(`${username}@${spec.domain}`);
    if (!listed.ok) throw adminFailure('sessions', listed);
    return listed.output
      .map((line) => /^(\d+) (.+)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ id: match[2], displayName: null, lastSeenAt: null, connectedSeconds: Number(match[1]) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * c2s:close with a reason: Prosody sends the client a stream error and destroys the session at once
   * (without one it waits up to 5 s for the client to close its side, and the session stays listed).
   * The client may log in again: locking someone out takes a new password or deleting the account.
   */
  async revokeSession({ spec }: InstanceContext, username: string, sessionId: string): Promise<boolean> {
    checkUsername(username);
    const [closed] = await this.shell(spec, [shellCall('c2s:close', `${username}@${spec.domain}/${sessionId}`, REVOKED_TEXT, 'policy-violation')]);
    if (!closed.ok) throw adminFailure('c2s:close', closed);
    return /Total: [1-9]/.test(closed.message);
  }

  /**
   * A chat message from the server itself (the bare domain), posted the way Prosody's own modules
   * send (module:send: core_post_stanza from the host's session). mod_message hands it to the
   * account's online resources, or to mod_offline, which keeps it for the next login (Prosody
   * loads it by itself; without it the message would be lost, so its absence is an error). An
   * account that blocks the domain refuses it (mod_blocklist bounces it to the host, where it ends):
   * its choice, not a failure.
   */
  async sendServerNotice({ spec }: InstanceContext, username: string, text: string): Promise<void> {
    checkUsername(username);
    const [sent] = await this.shell(spec, [
      `>local user, host, text = ${luaString(username)}, ${luaString(spec.domain)}, ${luaString(xmlCharacters(text))} ` +
        'if not require "core.usermanager".user_exists(user, host) then return nil, "No such user" end ' +
        'if not require "core.modulemanager".is_loaded(host, "offline") then return nil, "mod_offline is not loaded: accounts that are offline would never get it" end ' +
        'local message = require "util.stanza".message({ from = host, to = user .. "@" .. host, type = "chat", id = require "util.id".medium() }):text_tag("body", text) ' +
        'prosody.core_post_stanza(prosody.hosts[host], message)',
    ]);
    if (isNoSuchUser(sent)) throw notFound(`${username}@${spec.domain}`);
    if (!sent.ok) throw adminFailure('server notice', sent);
  }

  /**
   * Deletes archived and offline messages past the running server's windows (prosody-retention.ts).
   * Uploads are left to Prosody, which removes those past http_file_share_expires_after once a day.
   */
  async enforceRetention(context: InstanceContext): Promise<void> {
    await enforceProsodyRetention(context);
  }

  effectiveRetention(context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>>> {
    return effectiveProsodyRetention(context);
  }

  effectiveFederation(context: InstanceContext): Promise<FederationReadBack> {
    return effectiveProsodyFederation(context);
  }

  private shell(spec: InstanceSpec, commands: string[], timeoutMs?: number): Promise<ReplResult[]> {
    return runAdminCommands(join(spec.dir, PROSODY_PATHS.adminSocket), commands, timeoutMs);
  }

  private async probeAdmin(spec: InstanceSpec, timeoutMs: number): Promise<{ check: ProbeCheck; version?: string }> {
    const started = performance.now();
    try {
      const [version, uptime] = await this.shell(spec, ['server:version()', 'server:uptime()'], timeoutMs);
      const latencyMs = Math.round(performance.now() - started);
      if (!version.ok || !uptime.ok) return { check: { name: 'admin-socket', ok: false, detail: `${version.message} ${uptime.message}`, latencyMs } };
      const number = version.message.replace(/^OK: /, '');
      return { check: { name: 'admin-socket', ok: true, detail: uptime.message.replace(/^OK: /, ''), latencyMs }, version: number };
    } catch (error) {
      return { check: { name: 'admin-socket', ok: false, detail: (error as Error).message, latencyMs: Math.round(performance.now() - started) } };
    }
  }
}

function isNoSuchUser(result: ReplResult): boolean {
  return !result.ok && /No such user/.test(result.message);
}

function notFound(jid: string): DriverError {
  return new DriverError('user/not_found', `${jid} does not exist`);
}

function adminFailure(command: string, result: ReplResult): DriverError {
  return new DriverError('driver/admin_failed', `Prosody's ${command} failed: ${result.message}`);
}

/** GET /metrics on the loopback http port: Prosody's http server and statistics are alive. */
function probeMetrics(port: number, timeoutMs: number): Promise<ProbeCheck> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean, detail: string) => resolve({ name: 'http', ok, detail, latencyMs: Math.round(performance.now() - started) });
    const req = request({ host: '127.0.0.1', port, path: '/metrics', method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200, `GET /metrics: ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => done(false, `GET /metrics: ${error.message}`));
    req.end();
  });
}
