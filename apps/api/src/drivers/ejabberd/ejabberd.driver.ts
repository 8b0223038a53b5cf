import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ExecOptions, type ExecResult, RUNTIME_LAYOUT } from '../../runtimes/runtime';
import { ensureSelfSignedCertificate } from '../certificates';
import {
  type Account,
  type AccountSession,
  type BackupLayout,
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
import { findExecutable, readTextIfExists } from '../host-programs';
import { xmlCharacters } from '../prosody/prosody-admin-socket';
import { requireSecret } from '../secrets';
import { checkPassword, checkUsername, probeHost, retentionKnobs, validateSpec } from '../validation';
import { probeClientPort } from '../xmpp-probe';
import { effectiveEjabberdFederation } from './ejabberd-federation';
import { EjabberdApiError, EjabberdHttpApi } from './ejabberd-http-api';
import { EJABBERD_UNSUPPORTED_KNOBS, effectiveEjabberdRetention, enforceEjabberdRetention } from './ejabberd-retention';
import { HOST_LIBRARY_DIRS, ejabberdProgram, ejabberdTreeSpec, ejabberdVersion } from './ejabberd-release';
import type { PackageTrees } from '../../runtimes/packages/package-tree';
import { type ServerVersion, isSystemTree, serverVersions } from '../../runtimes/packages/server-versions';
import {
  EJABBERD_FEDERATION_MODES,
  EJABBERD_PATHS,
  HEARTH_ADMIN_USER,
  S2S_PORT,
  adminJid,
  nodeName,
  patchEjabberdctl,
  renderCtlConfig,
  renderEjabberdConfig,
} from './ejabberd.config';

const INSTALL_HINT = 'apt-get install ejabberd';
const ALREADY_REGISTERED = 10090;
/** What a client is told when the operator ends its session or deactivates its account. */
const REVOKED_REASON = "Session ended by the server's operator";
const DEACTIVATED_REASON = "Account deactivated by the server's operator";
/**
 * get_last is one API call per account, ~20 ms each on a two-core host (mostly ejabberd checking
 * Hearth's password against its SCRAM hash): 100 accounts take ~2 s. Past that the listing leaves
 * last-seen empty rather than keep the operator waiting.
 */
const LAST_SEEN_LIMIT = 100;
/** How long one purge command may take: Mnesia's delete_old_* read the whole table. */
const PURGE_TIMEOUT_MS = 10 * 60_000;

/**
 * Creates or resets an account by calling ejabberd_auth on the node over Erlang distribution,
 * the way ejabberdctl does, but reading the password from the environment: ejabberdctl
 * `register` would put it in argv. Used once, for Hearth's own admin account.
 */
const ENSURE_ACCOUNT = `
Env = fun(Name) -> unicode:characters_to_binary(os:getenv(Name)) end,
Node = list_to_atom(os:getenv("HEARTH_NODE")),
User = Env("HEARTH_USER"), Host = Env("HEARTH_HOST"), Password = Env("HEARTH_PASSWORD"),
Result = case rpc:call(Node, ejabberd_auth, user_exists, [User, Host], 15000) of
  true -> rpc:call(Node, ejabberd_auth, set_password, [User, Host, Password], 15000);
  false -> rpc:call(Node, ejabberd_auth, try_register, [User, Host, Password], 15000);
  Other -> Other
end,
io:format("~p~n", [Result]),
halt(case Result of ok -> 0; _ -> 1 end).`;

/**
 * ejabberd 23.01 (Debian bookworm) or 24.12 (bookworm-backports, run from a package tree of the
 * version store: spec.release), administered through mod_http_api as Hearth's admin account. Both
 * read the same ejabberd.yml and answer the same API calls.
 */
export class EjabberdDriver implements Driver {
  readonly kind = 'ejabberd';
  readonly displayName = 'ejabberd';
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'users.list',
    'users.create',
    'users.password',
    'users.delete',
    'sessions.list',
    'sessions.revoke',
    'users.deactivate',
    'retention.messages',
    'federation.policy',
    'server-notices',
  ]);
  readonly portNames: readonly PortRequirement[] = [
    { name: 'client', bind: 'instance', description: 'XMPP client connections (c2s)' },
    { name: 'http', bind: 'loopback', description: 'mod_http_api, for Hearth only' },
    { name: 'dist', bind: 'loopback', description: 'Erlang distribution, for ejabberdctl (no epmd)' },
  ];
  readonly federationModes: readonly FederationMode[] = EJABBERD_FEDERATION_MODES;
  readonly unsupportedKnobs: Readonly<Partial<Record<ServerKnob, string>>> = EJABBERD_UNSUPPORTED_KNOBS;
  readonly federationPort = S2S_PORT;
  readonly secretNames: readonly string[] = ['adminPassword', 'erlangCookie'];
  // ejabberd.log repeats the console output (foreground); error.log keeps the warnings and errors apart.
  readonly logFiles: readonly string[] = [join(EJABBERD_PATHS.logs, 'error.log')];
  // Mnesia's files are never copied as they are: the snapshot is ejabberd's own online backup.
  readonly backupLayout: BackupLayout = {
    include: [EJABBERD_PATHS.configDir, EJABBERD_PATHS.certs],
    exclude: [],
    secrets: [],
    state: [EJABBERD_PATHS.configDir, EJABBERD_PATHS.certs, EJABBERD_PATHS.spool, dirname(EJABBERD_PATHS.snapshot)],
  };

  async detect(): Promise<Detection> {
    const binary = await findExecutable('ejabberdctl');
    if (!binary) return { available: false, installHint: INSTALL_HINT };
    const script = (await readTextIfExists(binary)) ?? '';
    const problems: string[] = [];
    try {
      patchEjabberdctl(script);
    } catch (error) {
      problems.push((error as Error).message);
    }
    const erl = /^ERL="([^"]+)"/m.exec(script)?.[1] ?? (await findExecutable('erl'));
    if (!erl || !(await readTextIfExists(erl))) problems.push('Erlang (erl) is missing: apt-get install erlang-base');
    const libraries = /^ERL_LIBS='([^']+)'/m.exec(script)?.[1];
    const version = await ejabberdVersion([libraries, ...HOST_LIBRARY_DIRS].filter(Boolean) as string[]);
    return { available: problems.length === 0, version, binary, installHint: INSTALL_HINT, problems };
  }

  async render(spec: InstanceSpec, secrets: InstanceSecrets): Promise<RenderResult> {
    validateSpec(spec, this.portNames);
    retentionKnobs(spec);
    const cookie = requireSecret(secrets, 'erlangCookie');
    if (!/^[A-Za-z0-9_-]{20,}$/.test(cookie)) throw new DriverError('spec/invalid', 'The Erlang cookie must be at least 20 letters, digits, - or _');
    // The host's ejabberdctl, or the one of a version tree (spec.release) pointing ERL_LIBS into it.
    const program = await ejabberdProgram(spec);
    const ctl = program.ctl;
    return {
      files: [
        { path: 'bin', directory: true, mode: 0o700 },
        { path: EJABBERD_PATHS.ctl, content: ctl, mode: 0o700 },
        { path: EJABBERD_PATHS.config, content: renderEjabberdConfig(spec), mode: 0o600 },
        { path: EJABBERD_PATHS.ctlConfig, content: renderCtlConfig(spec), mode: 0o600 },
        { path: EJABBERD_PATHS.spool, directory: true, mode: 0o700 },
        { path: EJABBERD_PATHS.logs, directory: true, mode: 0o700 },
        { path: EJABBERD_PATHS.certs, directory: true, mode: 0o700 },
        { path: EJABBERD_PATHS.cookie, content: cookie, mode: 0o400 },
      ],
      process: {
        command: join(spec.dir, EJABBERD_PATHS.ctl),
        // foreground + HEARTH_EXEC: the shell execs erl, erl execs the VM: the runtime's pid is the server.
        args: [...this.ctlArgs(spec), 'foreground'],
        env: { ...program.env, HEARTH_EXEC: 'exec' },
      },
    };
  }

  /**
   * The host's ejabberd, the trees of the version store, and the backports version this host can
   * install (PackageTrees.ensure(version.spec)); reads no network.
   */
  async versions(store: PackageTrees): Promise<ServerVersion[]> {
    const release = await store.hostRelease().catch(() => undefined);
    return serverVersions(store, {
      name: this.kind,
      systemPackage: 'ejabberd',
      detection: await this.detect(),
      installable: release ? [ejabberdTreeSpec(release)] : [],
    });
  }

  prepare(context: InstanceContext): Promise<void> {
    return ensureSelfSignedCertificate(context);
  }

  /** Creates Hearth's admin account (or resets its password to the current secret), then checks the API accepts it. */
  async bootstrap(context: InstanceContext): Promise<void> {
    const { spec, runtime, secrets } = context;
    const erl = (await findExecutable('erl')) ?? 'erl';
    const result = await runtime.exec(
      spec,
      erl,
      [
        '-sname', `hearthctl_${randomBytes(4).toString('hex')}@localhost`,
        '-hidden', '-noshell', '-noinput',
        '-dist_listen', 'false', '-erl_epmd_port', String(spec.ports.dist), '-start_epmd', 'false',
        '-eval', ENSURE_ACCOUNT,
      ],
      {
        env: { HEARTH_NODE: nodeName(spec), HEARTH_USER: HEARTH_ADMIN_USER, HEARTH_HOST: spec.domain, HEARTH_PASSWORD: requireSecret(secrets, 'adminPassword') },
        timeoutMs: 60_000,
      },
    );
    if (result.code !== 0) {
      throw new DriverError('driver/admin_failed', `Could not set up Hearth's admin account: ${(result.stdout + result.stderr).trim().slice(0, 500)}`);
    }
    await this.api(context).call('registered_vhosts');
  }

  async probe(spec: InstanceSpec, options: { timeoutMs?: number } = {}): Promise<ProbeResult> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const [c2s, status] = await Promise.all([
      probeClientPort(probeHost(spec.bindAddress), spec.ports.client, spec.domain, timeoutMs),
      this.probeStatus(spec, timeoutMs),
    ]);
    const checks: ProbeCheck[] = [{ name: c2s.name, ok: c2s.ok, detail: c2s.detail, latencyMs: c2s.latencyMs }, status.check];
    return { ok: checks.every((check) => check.ok), latencyMs: c2s.latencyMs ?? 0, checks, version: status.version };
  }

  async createUser(context: InstanceContext, username: string, password: string, options: CreateUserOptions = {}): Promise<void> {
    checkUser(username);
    checkPassword(password);
    try {
      await this.api(context).call('register', { user: username, host: context.spec.domain, password });
    } catch (error) {
      if (!(error instanceof EjabberdApiError && error.apiCode === ALREADY_REGISTERED)) throw adminFailure(error);
      if (options.ifExists === 'set-password') return this.changePassword(context, username, password);
      throw new DriverError('user/exists', `${username}@${context.spec.domain} already exists`);
    }
  }

  async listUsers(context: InstanceContext): Promise<string[]> {
    const users = await this.api(context).call<string[]>('registered_users', { host: context.spec.domain }).catch(rethrowAdmin);
    return users.filter((user) => user !== HEARTH_ADMIN_USER).sort();
  }

  async changePassword(context: InstanceContext, username: string, password: string): Promise<void> {
    checkUser(username);
    checkPassword(password);
    // change_password on a missing account would create it.
    await this.requireAccount(context, username);
    await this.api(context).call('change_password', { user: username, host: context.spec.domain, newpass: password }).catch(rethrowAdmin);
  }

  /**
   * unregister runs every module's remove_user hook: afterwards no Mnesia record keyed by the
   * account is left (tested with its password, roster, vCard, last activity, offline messages and
   * archive). mod_mam stays loaded even with the archive off (ejabberd.config.ts), so that an
   * archive kept from before is erased too.
   */
  async deleteUser(context: InstanceContext, username: string): Promise<boolean> {
    checkUser(username);
    if (!(await this.exists(context, username))) return false;
    await this.api(context).call('unregister', { user: username, host: context.spec.domain }).catch(rethrowAdmin);
    return true;
  }

  async listSessions(context: InstanceContext): Promise<SessionInfo[]> {
    const sessions = await this.api(context).call<Array<{ jid: string; uptime?: number }>>('connected_users_info').catch(rethrowAdmin);
    return sessions
      .filter((session) => session.jid.endsWith(`@${context.spec.domain}`) || session.jid.includes(`@${context.spec.domain}/`))
      .map((session) => ({ jid: session.jid, connectedSeconds: session.uptime }))
      .sort((a, b) => a.jid.localeCompare(b.jid));
  }

  /**
   * Admins are configured (acl), not a property of the account. deactivated is false on 23.01, whose
   * ban_account leaves nothing to tell a banned account from another (no get_ban_details; the
   * random password it sets is stored hashed); 24.06 and later keep bans apart and say so.
   */
  async listAccounts(context: InstanceContext): Promise<Account[]> {
    const usernames = await this.listUsers(context);
    const lastSeen: Array<Date | null> = [];
    const banned: boolean[] = [];
    if (usernames.length <= LAST_SEEN_LIMIT) {
      let bans = true;
      for (const username of usernames) {
        lastSeen.push(await this.lastSeen(context, username));
        const ban: boolean | undefined = bans ? await this.banned(context, username) : undefined;
        bans = ban !== undefined;
        banned.push(ban ?? false);
      }
    }
    return usernames.map((username, index) => ({ username, admin: null, deactivated: banned[index] ?? false, lastSeenAt: lastSeen[index] ?? null, displayName: null }));
  }

  async accountSessions(context: InstanceContext, username: string): Promise<AccountSession[]> {
    checkUser(username);
    await this.requireAccount(context, username);
    return (await this.sessionsOf(context, username))
      .map((session) => ({ id: session.resource, displayName: null, lastSeenAt: null, connectedSeconds: session.uptime }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** kick_session answers 0 whether or not the session exists, so the driver looks first. The client may log in again. */
  async revokeSession(context: InstanceContext, username: string, sessionId: string): Promise<boolean> {
    checkUser(username);
    if (!(await this.sessionsOf(context, username)).some((session) => session.resource === sessionId)) return false;
    await this.api(context)
      .call('kick_session', { user: username, host: context.spec.domain, resource: sessionId, reason: REVOKED_REASON })
      .catch(rethrowAdmin);
    return true;
  }

  /**
   * ban_account: ends the sessions and locks the account. 23.01 does it by setting a random password
   * (no unban: reactivating sets a new one); 24.06 and later keep a ban record beside the password,
   * which logins are refused by until unban_account.
   */
  async deactivateUser(context: InstanceContext, username: string): Promise<void> {
    checkUser(username);
    // ban_account on a missing account would create it, with the random password.
    await this.requireAccount(context, username);
    await this.api(context).call('ban_account', { user: username, host: context.spec.domain, reason: DEACTIVATED_REASON }).catch(rethrowAdmin);
  }

  async reactivateUser(context: InstanceContext, username: string, password: string): Promise<void> {
    checkUser(username);
    await this.requireAccount(context, username);
    try {
      await this.api(context).call('unban_account', { user: username, host: context.spec.domain });
    } catch (error) {
      // 23.01 has no bans of its own to lift: the new password is what lets the account in again.
      if (!isUnknownCommand(error)) throw adminFailure(error);
    }
    return this.changePassword(context, username, password);
  }

  /**
   * mod_admin_extra's send_message: a chat message from the server itself (the bare domain),
   * routed like any other, so online resources get it at once and mod_offline keeps it for the
   * next login otherwise. It would route to a missing account too (and bounce), so the driver looks first.
   */
  async sendServerNotice(context: InstanceContext, username: string, text: string): Promise<void> {
    checkUser(username);
    await this.requireAccount(context, username);
    const { domain } = context.spec;
    await this.api(context)
      .call('send_message', { type: 'chat', from: domain, to: `${username}@${domain}`, subject: '', body: xmlCharacters(text) })
      .catch(rethrowAdmin);
  }

  /**
   * Deletes archived and offline messages older than the windows of the running node (its
   * retention shaper rules, see ejabberd-retention.ts); ejabberd 23.01 has no expiry of its own.
   */
  async enforceRetention(context: InstanceContext): Promise<void> {
    // Mnesia's purge reads every record of the table: more time than an admin call gets.
    await enforceEjabberdRetention(context, this.api(context, PURGE_TIMEOUT_MS));
  }

  effectiveRetention(context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>>> {
    return effectiveEjabberdRetention(context, this.api(context));
  }

  effectiveFederation(context: InstanceContext): Promise<FederationReadBack> {
    return effectiveEjabberdFederation(context, this.api(context));
  }

  /** Online and consistent: Mnesia's backup of every table, written by the server itself. */
  async snapshot(context: InstanceContext, staging: string): Promise<SnapshotFacts> {
    // The server writes it as the instance's user, so into a directory that user owns.
    const written = join(context.spec.dir, RUNTIME_LAYOUT.homeDir, 'hearth-snapshot.mnesia');
    try {
      await this.ctlChecked(context, ['backup', written], 'Mnesia backup');
      const copy = join(staging, EJABBERD_PATHS.snapshot);
      await mkdir(dirname(copy), { recursive: true, mode: 0o700 });
      await copyFile(written, copy);
    } finally {
      await rm(written, { force: true });
    }
    return { node: nodeName(context.spec) };
  }

  /** Mnesia's data belongs to its node name: a backup from another instance is renamed to this one's first. */
  async loadRestored(context: InstanceContext, facts: SnapshotFacts): Promise<void> {
    const { spec } = context;
    const restored = join(spec.dir, EJABBERD_PATHS.snapshot);
    const renamed = join(spec.dir, RUNTIME_LAYOUT.homeDir, 'hearth-restore.mnesia');
    try {
      let file = restored;
      if (facts.node && facts.node !== nodeName(spec)) {
        await this.ctlChecked(context, ['mnesia_change_nodename', facts.node, nodeName(spec), restored, renamed], 'Renaming the Mnesia backup to this node');
        file = renamed;
      }
      await this.ctlChecked(context, ['restore', file], 'Mnesia restore');
    } finally {
      await rm(renamed, { force: true });
      await rm(restored, { force: true });
    }
  }

  private async ctlChecked(context: InstanceContext, args: readonly string[], what: string): Promise<void> {
    const result = await this.ctl(context, args, { timeoutMs: 10 * 60_000 });
    if (result.code !== 0) throw new DriverError('driver/admin_failed', `${what} failed: ${(result.stdout + result.stderr).trim().slice(0, 500)}`);
  }

  /** Runs this instance's ejabberdctl (e.g. `backup FILE`) as the instance's user. */
  async ctl(context: InstanceContext, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    // A tree's shared libraries (if it brought any) for the VM this starts, as for the server.
    const env = isSystemTree(context.spec.release) ? {} : (await ejabberdProgram(context.spec)).env;
    return context.runtime.exec(context.spec, join(context.spec.dir, EJABBERD_PATHS.ctl), [...this.ctlArgs(context.spec), ...args], {
      ...options,
      env: { ...env, ...options?.env },
    });
  }

  private ctlArgs(spec: InstanceSpec): string[] {
    return [
      '--config-dir', join(spec.dir, EJABBERD_PATHS.configDir),
      '--logs', join(spec.dir, EJABBERD_PATHS.logs),
      '--spool', join(spec.dir, EJABBERD_PATHS.spool),
    ];
  }

  private api({ spec, secrets }: InstanceContext, timeoutMs?: number): EjabberdHttpApi {
    return new EjabberdHttpApi(spec.ports.http, { jid: adminJid(spec), password: requireSecret(secrets, 'adminPassword') }, timeoutMs);
  }

  private async exists(context: InstanceContext, username: string): Promise<boolean> {
    // check_account answers 0 when the account exists, 1 when it doesn't.
    const code = await this.api(context).call<number>('check_account', { user: username, host: context.spec.domain }).catch(rethrowAdmin);
    return code === 0;
  }

  private async requireAccount(context: InstanceContext, username: string): Promise<void> {
    if (!(await this.exists(context, username))) throw new DriverError('user/not_found', `${username}@${context.spec.domain} does not exist`);
  }

  /** user_sessions_info also reports each client's IP address and port, which are dropped here. */
  private async sessionsOf(context: InstanceContext, username: string): Promise<Array<{ resource: string; uptime: number }>> {
    const sessions = await this.api(context)
      .call<Array<{ resource: string; uptime: number }>>('user_sessions_info', { user: username, host: context.spec.domain })
      .catch(rethrowAdmin);
    return sessions.map(({ resource, uptime }) => ({ resource, uptime }));
  }

  /** Whether the account is banned (24.06 and later); undefined when the server keeps no bans apart (23.01). */
  private async banned(context: InstanceContext, username: string): Promise<boolean | undefined> {
    try {
      const details = await this.api(context).call<Record<string, string>>('get_ban_details', { user: username, host: context.spec.domain });
      return Object.keys(details ?? {}).length > 0;
    } catch (error) {
      if (isUnknownCommand(error)) return undefined;
      throw adminFailure(error);
    }
  }

  /**
   * mod_last's time of the last logout (stored when a client that sent presence goes offline), or
   * now while the account is online; null when it never logged in.
   */
  private async lastSeen(context: InstanceContext, username: string): Promise<Date | null> {
    const last = await this.api(context)
      .call<{ timestamp: string; status: string }>('get_last', { user: username, host: context.spec.domain })
      .catch(rethrowAdmin);
    // Registration stores its time with this status; NOT FOUND comes with the current time.
    if (last.status === 'NOT FOUND' || last.status === "Registered but didn't login") return null;
    const time = new Date(last.timestamp);
    return Number.isNaN(time.getTime()) ? null : time;
  }

  private async probeStatus(spec: InstanceSpec, timeoutMs: number): Promise<{ check: ProbeCheck; version?: string }> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      // Allowed without an account from loopback (api_permissions), so it works before bootstrap.
      const text = await new EjabberdHttpApi(spec.ports.http, undefined, timeoutMs).call<string>('status');
      const running = /is running/.test(text);
      const version = /ejabberd (\S+) is running/.exec(text)?.[1];
      return { check: { name: 'status', ok: running, detail: text, latencyMs: latency() }, version };
    } catch (error) {
      return { check: { name: 'status', ok: false, detail: (error as Error).message, latencyMs: latency() } };
    }
  }
}

function checkUser(username: string): void {
  checkUsername(username);
  if (username === HEARTH_ADMIN_USER) throw new DriverError('user/reserved', `${HEARTH_ADMIN_USER} is Hearth's own account`);
}

/** mod_http_api's answer to a command this ejabberd doesn't have (e.g. unban_account before 24.06). */
function isUnknownCommand(error: unknown): boolean {
  return error instanceof EjabberdApiError && error.httpStatus === 404 && error.apiCode === 40;
}

function adminFailure(error: unknown): DriverError {
  if (error instanceof DriverError) return error;
  return new DriverError('driver/admin_failed', (error as Error).message);
}

function rethrowAdmin(error: unknown): never {
  throw adminFailure(error);
}
