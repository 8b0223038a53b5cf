import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import {
  type AdoptCredentials,
  type Account,
  type AccountSession,
  type Adoption,
  type BackupLayout,
  type Capability,
  type EventReport,
  type FederationReadBack,
  type EventReportDetail,
  type Page,
  type RegistrationToken,
  type RoomDetail,
  type RoomSummary,
  type CreateUserOptions,
  type Detection,
  type Driver,
  DriverError,
  type InstanceContext,
  type InstanceSecrets,
  type InstanceSpec,
  type PortRequirement,
  type ProbeCheck,
  type ProbeResult,
  type RenderResult,
  type KnobReading,
  type ServerKnob,
  type SessionInfo,
  type SnapshotFacts,
} from '../driver';
import { snapshotSqlite, sqliteFiles } from '../sqlite-snapshot';
import { requireSecret } from '../secrets';
import { checkPassword, validateSpec } from '../validation';
import { type DebianRootfs, RootfsError } from '../../runtimes/rootfs/debian-rootfs';
import { dropDatabase, ensureDatabase } from './synapse-database';
import * as moderation from './synapse-moderation';
import { SYNAPSE_FEDERATION_MODES, effectiveSynapseFederation } from './synapse-federation';
import * as registrationTokens from './synapse-registration-tokens';
import { SYNAPSE_ROOTFS } from './synapse-rootfs';
import { effectiveSynapseRetention } from './synapse-retention';
import {
  HEARTH_ADMIN_USER,
  NOTICES_USER,
  SYNAPSE_PATHS,
  SYNAPSE_SECRETS,
  SYNAPSE_UNSUPPORTED_KNOBS,
  SYNAPSE_RETENTION_DEFAULTS,
  baseUrlOf,
  checkSynapseRetention,
  inside,
  renderHearthConfig,
  renderLogConfig,
  renderOperatorConfig,
  renderSigningKey,
} from './synapse.config';
import { type SynapseDevice, SynapseAdmin, passwordLogin } from './synapse-admin';
import { registerWithSharedSecret, synapseRequest } from './synapse-http';

const INSTALL_HINT = 'run Hearth as root with debootstrap installed (apt-get install debootstrap); Hearth then builds Synapse from Debian sid';
// Matrix user ids: historical ids allowed more, new accounts only these (spec: user identifiers).
const LOCALPART = /^[a-z0-9._=\-/+]+$/;

/**
 * Synapse (Matrix), run from Debian sid's matrix-synapse package in a root filesystem of its own,
 * or adopted: a server that runs elsewhere, reached at its base URL with an admin's access token.
 * Administered through the Admin API with Hearth's own admin account.
 */
export class SynapseDriver implements Driver {
  readonly kind = 'synapse';
  readonly displayName = 'Synapse';
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'users.list',
    'users.create',
    'users.password',
    'users.delete',
    'users.deactivate',
    'users.admin',
    'sessions.list',
    'sessions.revoke',
    'registration-tokens',
    'rooms',
    'reports',
    'media',
    'server-notices',
    'federation.destinations',
    'federation.policy',
  ]);
  readonly portNames: readonly PortRequirement[] = [{ name: 'client', bind: 'instance', description: 'Matrix client API (HTTP; put a TLS reverse proxy in front)' }];
  readonly httpApiPort = 'client';
  readonly federationModes = SYNAPSE_FEDERATION_MODES;
  readonly unsupportedKnobs = SYNAPSE_UNSUPPORTED_KNOBS;
  readonly retentionDefaults = SYNAPSE_RETENTION_DEFAULTS;
  readonly secretNames: readonly string[] = SYNAPSE_SECRETS;
  // It logs to its console (conf/log.yaml), which is the console log.
  readonly logFiles: readonly string[] = [];
  readonly backupLayout: BackupLayout = {
    // The media store's files never change once written, so they are archived as they are, live.
    include: [dirname(SYNAPSE_PATHS.operatorConfig), SYNAPSE_PATHS.data],
    exclude: sqliteFiles(SYNAPSE_PATHS.database),
    // The server's identity and what its stored tokens and the admin account were made with; not
    // the PostgreSQL role's password, which belongs to the database server.
    secrets: [...SYNAPSE_SECRETS.filter((name) => name !== 'database_password'), 'admin_token'],
    state: [dirname(SYNAPSE_PATHS.operatorConfig), SYNAPSE_PATHS.data],
  };

  constructor(private readonly rootfs: DebianRootfs) {}

  async detect(): Promise<Detection> {
    if ((process.getuid?.() ?? -1) !== 0) {
      // Building the tree and running from it need chroot and mount namespaces; adoption works without.
      return { available: false, installHint: INSTALL_HINT, problems: ['Hearth runs Synapse from its own Debian root filesystem, which needs Hearth to run as root; without it, adopt a Synapse you run yourself'] };
    }
    const built = await this.rootfs.find(SYNAPSE_ROOTFS);
    if (built) {
      const packaged = built.manifest.installed['matrix-synapse'];
      return { available: true, version: packaged?.replace(/-[^-]+$/, ''), binary: join(built.rootfs, 'usr/bin/python3'), installHint: INSTALL_HINT, problems: [] };
    }
    try {
      await this.rootfs.checkPrerequisites();
    } catch (error) {
      if (error instanceof RootfsError) return { available: false, installHint: INSTALL_HINT, problems: [error.message] };
      throw error;
    }
    return {
      available: true,
      installHint: INSTALL_HINT,
      problems: ['Not installed yet: the first Synapse instance builds it from Debian sid (about 2 minutes, 550 MB), or run `hearth versions install synapse` beforehand'],
    };
  }

  async install(onProgress: (percent: number, message: string) => void): Promise<void> {
    await this.rootfs.ensure(SYNAPSE_ROOTFS, (progress) => onProgress(progress.percent, progress.message ?? progress.phase));
  }

  async render(spec: InstanceSpec, secrets: InstanceSecrets): Promise<RenderResult> {
    validateSpec(spec, this.portNames);
    const { tls, messageRetentionDays, fileShare } = spec.settings;
    if (tls || fileShare || messageRetentionDays !== undefined) {
      // Said plainly rather than accepted and ignored: Synapse serves plain HTTP behind the operator's TLS proxy.
      throw new DriverError('spec/invalid', 'tls, fileShare and messageRetentionDays are XMPP settings; Synapse serves plain HTTP behind a TLS reverse proxy (publicBaseUrl)');
    }
    checkSynapseRetention(spec);
    return {
      files: [
        { path: SYNAPSE_PATHS.data, directory: true, mode: 0o700 },
        { path: SYNAPSE_PATHS.media, directory: true, mode: 0o700 },
        { path: SYNAPSE_PATHS.conf, directory: true, mode: 0o700 },
        { path: SYNAPSE_PATHS.operatorConfig, content: renderOperatorConfig(), mode: 0o600, ifMissing: true },
        { path: SYNAPSE_PATHS.hearthConfig, content: renderHearthConfig(spec, secrets), mode: 0o600 },
        { path: SYNAPSE_PATHS.logConfig, content: renderLogConfig(spec), mode: 0o600 },
        { path: SYNAPSE_PATHS.signingKey, content: renderSigningKey(secrets), mode: 0o600 },
      ],
      process: {
        command: '/usr/bin/python3',
        // Later files win: the operator's homeserver.yaml first, Hearth's settings last.
        args: ['-m', 'synapse.app.homeserver', '-c', inside(SYNAPSE_PATHS.operatorConfig), '-c', inside(SYNAPSE_PATHS.hearthConfig)],
        env: {},
        rootfs: join(this.rootfs.entryDir(SYNAPSE_ROOTFS), 'rootfs'),
      },
    };
  }

  /** Its PostgreSQL database, if it uses one; everything else, the signing key included, comes from render(). */
  async prepare({ spec, secrets }: InstanceContext): Promise<void> {
    if (spec.settings.database) await ensureDatabase(spec, spec.settings.database, secrets);
  }

  async destroy({ spec, secrets }: InstanceContext): Promise<void> {
    if (spec.settings.database && !spec.baseUrl) await dropDatabase(spec, spec.settings.database, secrets);
  }

  /**
   * Hearth's admin account, registered with the shared secret the first time; afterwards the
   * stored token is kept while it works, and replaced by a fresh login when it does not.
   */
  async bootstrap({ spec, secrets }: InstanceContext): Promise<InstanceSecrets | void> {
    const baseUrl = baseUrlOf(spec);
    if (secrets.admin_token && (await isAdminToken(new SynapseAdmin(baseUrl, secrets.admin_token)))) return;
    const password = requireSecret(secrets, 'admin_password');
    const registered = await registerWithSharedSecret(baseUrl, requireSecret(secrets, 'registration_shared_secret'), { username: HEARTH_ADMIN_USER, password, admin: true });
    if ('accessToken' in registered) return { admin_token: registered.accessToken };
    return { admin_token: await passwordLogin(baseUrl, HEARTH_ADMIN_USER, password) };
  }

  async rotateAdminCredentials({ spec, secrets }: InstanceContext): Promise<InstanceSecrets> {
    if (spec.baseUrl) {
      throw new DriverError('driver/admin_failed', "Hearth does not hold the password of an adopted server's admin: make a new access token on the server and give it to Hearth (PUT /api/instances/:id/admin-token)");
    }
    const baseUrl = baseUrlOf(spec);
    const fresh = await passwordLogin(baseUrl, HEARTH_ADMIN_USER, requireSecret(secrets, 'admin_password'));
    // The old token stops working at once; one that was already invalid needs no logout.
    if (secrets.admin_token) await synapseRequest(baseUrl, '/_matrix/client/v3/logout', { method: 'POST', token: secrets.admin_token, body: {} });
    return { admin_token: fresh };
  }

  async snapshot({ spec }: InstanceContext, staging: string): Promise<SnapshotFacts> {
    if (spec.baseUrl) throw new DriverError('backup/unsupported', 'Hearth does not run this adopted server, so it cannot reach its database or media; back it up where it runs');
    if (spec.settings.database) throw new DriverError('backup/unsupported', 'Backups of a Synapse on PostgreSQL are not supported yet; back up its database with pg_dump');
    await snapshotSqlite(join(spec.dir, SYNAPSE_PATHS.database), join(staging, SYNAPSE_PATHS.database));
    return {};
  }

  async probe(spec: InstanceSpec, options: { timeoutMs?: number } = {}): Promise<ProbeResult> {
    const baseUrl = spec.baseUrl ?? baseUrlOf(spec);
    const timeoutMs = options.timeoutMs ?? 5_000;
    const get = async (name: string, path: string, judge: (status: number, body: unknown) => { ok: boolean; detail: string }) => {
      const started = performance.now();
      try {
        const response = await synapseRequest(baseUrl, path, { timeoutMs });
        return { name, ...judge(response.status, response.body), latencyMs: Math.round(performance.now() - started), body: response.body };
      } catch (error) {
        return { name, ok: false, detail: (error as Error).message, latencyMs: Math.round(performance.now() - started), body: undefined };
      }
    };
    const [health, versions, server] = await Promise.all([
      get('health', '/health', (status) =>
        // A reverse proxy in front of an adopted server often passes only /_matrix and /_synapse.
        spec.baseUrl && status === 404 ? { ok: true, detail: 'GET /health: not served at this URL' } : { ok: status === 200, detail: `GET /health: ${status}` },
      ),
      get('client-api', '/_matrix/client/versions', (status, body) => {
        const count = Array.isArray((body as { versions?: unknown }).versions) ? (body as { versions: unknown[] }).versions.length : 0;
        return { ok: status === 200 && count > 0, detail: status === 200 ? `${count} spec versions` : `GET /_matrix/client/versions: ${status}` };
      }),
      get('admin-api', '/_synapse/admin/v1/server_version', (status, body) => {
        const version = (body as { server_version?: unknown }).server_version;
        // Servers that implement only part of the Admin API (Tuwunel, Conduit) may not have this one.
        if (spec.baseUrl && status === 404) return { ok: true, detail: 'GET server_version: not implemented by this server' };
        return { ok: status === 200 && typeof version === 'string', detail: typeof version === 'string' ? `Synapse ${version}` : `GET server_version: ${status}` };
      }),
    ]);
    const checks: ProbeCheck[] = [health, versions, server].map(({ name, ok, detail, latencyMs }) => ({ name, ok, detail, latencyMs }));
    const version = (server.body as { server_version?: unknown } | undefined)?.server_version;
    return { ok: checks.every((check) => check.ok), latencyMs: health.latencyMs, checks, version: typeof version === 'string' ? version : undefined };
  }

  async createUser(context: InstanceContext, username: string, password: string, options: CreateUserOptions = {}): Promise<void> {
    const userId = this.userId(context.spec, username);
    checkPassword(password);
    const admin = this.admin(context);
    const existing = await admin.user(userId);
    if (existing && !existing.deactivated) {
      if (options.ifExists === 'set-password') return this.changePassword(context, username, password);
      throw new DriverError('user/exists', `${userId} already exists`);
    }
    // A deactivated account's id can't be registered again; PUT would quietly bring it back instead.
    if (existing) throw new DriverError('user/exists', `${userId} existed and was deactivated; its id can't be used again`);
    await admin.call('PUT', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, { password, admin: false }, [200, 201]);
  }

  /** The accounts that can log in: listAccounts holds the rules for which accounts are people's. */
  async listUsers(context: InstanceContext): Promise<string[]> {
    return (await this.listAccounts(context))
      .filter((account) => !account.deactivated)
      .map((account) => account.username)
      .sort();
  }

  async listAccounts(context: InstanceContext): Promise<Account[]> {
    const suffix = `:${context.spec.domain}`;
    return (await this.admin(context).users({ deactivated: true }))
      .filter((user) => user.name.startsWith('@') && user.name.endsWith(suffix))
      .map((user) => ({
        username: user.name.slice(1, -suffix.length),
        admin: Boolean(user.admin),
        // Locked (reversible) or deactivated (erased): either way nobody can log in.
        deactivated: Boolean(user.deactivated) || Boolean(user.locked),
        lastSeenAt: user.last_seen_ts ? new Date(user.last_seen_ts) : null,
        displayName: user.displayname ?? null,
      }))
      .filter((account) => account.username !== HEARTH_ADMIN_USER && account.username !== NOTICES_USER)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async accountSessions(context: InstanceContext, username: string): Promise<AccountSession[]> {
    const userId = await this.existingUser(context, username);
    const response = await this.admin(context).call<{ devices: SynapseDevice[] }>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}/devices`);
    return response.body.devices
      .map((device) => ({ id: device.device_id, displayName: device.display_name ?? null, lastSeenAt: device.last_seen_ts ? new Date(device.last_seen_ts) : null, connectedSeconds: null }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Deleting a device logs it out: its access token stops working at once. */
  async revokeSession(context: InstanceContext, username: string, sessionId: string): Promise<boolean> {
    const userId = await this.existingUser(context, username);
    const path = `/_synapse/admin/v2/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(sessionId)}`;
    const admin = this.admin(context);
    if ((await admin.call('GET', path, undefined, [200, 404])).status === 404) return false;
    await admin.call('DELETE', path);
    return true;
  }

  async setAdmin(context: InstanceContext, username: string, isAdmin: boolean): Promise<void> {
    const userId = await this.existingUser(context, username);
    await this.admin(context).call('PUT', `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/admin`, { admin: isAdmin });
  }

  /**
   * Locks the account (Synapse's reversible lock): no login, and its existing tokens stop working,
   * while its rooms and messages stay, unlike Synapse's deactivation, which leaves every room.
   */
  async deactivateUser(context: InstanceContext, username: string): Promise<void> {
    const userId = await this.existingUser(context, username);
    await this.admin(context).call('PUT', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, { locked: true });
  }

  async reactivateUser(context: InstanceContext, username: string, password: string): Promise<void> {
    checkPassword(password);
    const userId = this.userId(context.spec, username);
    const admin = this.admin(context);
    const existing = await admin.user(userId);
    if (!existing) throw new DriverError('user/not_found', `${userId} does not exist`);
    if (existing.deactivated) throw new DriverError('user/invalid', `${userId} was erased; erased accounts can't come back`);
    await admin.call('PUT', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, { locked: false });
    await this.changePassword(context, username, password);
  }

  async changePassword(context: InstanceContext, username: string, password: string): Promise<void> {
    const userId = this.userId(context.spec, username);
    checkPassword(password);
    const response = await this.admin(context).call('POST', `/_synapse/admin/v1/reset_password/${encodeURIComponent(userId)}`, { new_password: password, logout_devices: true }, [200, 404]);
    if (response.status === 404) throw new DriverError('user/not_found', `${userId} does not exist`);
  }

  /** Deactivates the account and erases its profile and messages (Synapse's "erase"); user ids are never reused. */
  async deleteUser(context: InstanceContext, username: string): Promise<boolean> {
    const userId = this.userId(context.spec, username);
    const admin = this.admin(context);
    const existing = await admin.user(userId);
    if (!existing || existing.deactivated) return false;
    await admin.call('POST', `/_synapse/admin/v1/deactivate/${encodeURIComponent(userId)}`, { erase: true });
    return true;
  }

  /** Every device of every account: a Matrix "session" is a logged-in device. */
  async listSessions(context: InstanceContext): Promise<SessionInfo[]> {
    const admin = this.admin(context);
    const sessions: SessionInfo[] = [];
    for (const user of await admin.users()) {
      if (user.deactivated) continue;
      const response = await admin.call<{ devices: { device_id: string }[] }>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(user.name)}/devices`);
      for (const device of response.body.devices) sessions.push({ jid: `${user.name}/${device.device_id}` });
    }
    return sessions.sort((a, b) => a.jid.localeCompare(b.jid));
  }

  listRooms(context: InstanceContext, query: { q?: string; offset: number; limit: number }): Promise<Page<RoomSummary>> {
    return moderation.listRooms(this.admin(context), query);
  }

  room(context: InstanceContext, roomId: string): Promise<RoomDetail> {
    return moderation.roomDetail(this.admin(context), roomId);
  }

  setRoomBlocked(context: InstanceContext, roomId: string, blocked: boolean): Promise<void> {
    return moderation.setRoomBlocked(this.admin(context), roomId, blocked);
  }

  deleteRoom(context: InstanceContext, roomId: string, options: { block: boolean }): Promise<void> {
    return moderation.deleteRoom(this.admin(context), roomId, options.block);
  }

  async makeRoomAdmin(context: InstanceContext, roomId: string, username: string): Promise<void> {
    await moderation.makeRoomAdmin(this.admin(context), roomId, await this.existingUser(context, username));
  }

  purgeRoomHistory(context: InstanceContext, roomId: string, before: Date): Promise<void> {
    return moderation.purgeHistory(this.admin(context), roomId, before);
  }

  listReports(context: InstanceContext, query: { offset: number; limit: number }): Promise<Page<EventReport>> {
    return moderation.listReports(this.admin(context), query);
  }

  report(context: InstanceContext, reportId: string): Promise<EventReportDetail> {
    return moderation.reportDetail(this.admin(context), reportId);
  }

  dismissReport(context: InstanceContext, reportId: string): Promise<boolean> {
    return moderation.dismissReport(this.admin(context), reportId);
  }

  async redactEvent(context: InstanceContext, roomId: string, eventId: string, reason: string | undefined): Promise<void> {
    const admin = this.admin(context);
    const self = await admin.whoami();
    if (!self) throw new DriverError('driver/admin_failed', "The server no longer accepts Hearth's admin token");
    await moderation.redactEvent(admin, self, roomId, eventId, reason);
  }

  listRegistrationTokens(context: InstanceContext): Promise<RegistrationToken[]> {
    return registrationTokens.listRegistrationTokens(this.admin(context));
  }

  createRegistrationToken(context: InstanceContext, options: { usesAllowed: number; expiresAt: Date }): Promise<RegistrationToken> {
    return registrationTokens.createRegistrationToken(this.admin(context), options);
  }

  deleteRegistrationToken(context: InstanceContext, token: string): Promise<void> {
    return registrationTokens.deleteRegistrationToken(this.admin(context), token);
  }

  async sendServerNotice(context: InstanceContext, username: string, text: string): Promise<void> {
    await moderation.sendServerNotice(this.admin(context), await this.existingUser(context, username), text);
  }

  effectiveFederation(context: InstanceContext): Promise<FederationReadBack> {
    return effectiveSynapseFederation(context);
  }

  /**
   * Nothing to do: Synapse expires everything the policy sets itself, on its own schedules
   * (hearth.yaml): retention purge jobs (history), media_retention (local and remote media, hourly),
   * user_ips_max_age (client IPs, every 5 s), redaction_retention_period (every 5 minutes). Its
   * admin API's purges (purge_media_cache, media/delete) work from the same last-access times,
   * so running them here would delete nothing more.
   */
  async enforceRetention(_context: InstanceContext): Promise<void> {}

  effectiveRetention(context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>>> {
    return effectiveSynapseRetention(context);
  }

  async adopt(baseUrl: string, credentials: AdoptCredentials): Promise<Adoption> {
    const versions = await synapseRequest<{ versions?: unknown }>(baseUrl, '/_matrix/client/versions').catch((error: Error) => {
      throw new DriverError('adopt/unreachable', `${error.message}. Check the URL and that Hearth can reach the server from this host`);
    });
    if (versions.status !== 200 || !Array.isArray(versions.body.versions)) {
      throw new DriverError('adopt/not_this_kind', `${baseUrl} does not answer as a Matrix server (GET /_matrix/client/versions: ${versions.status})`);
    }
    const server = await synapseRequest<{ server_version?: unknown }>(baseUrl, '/_synapse/admin/v1/server_version');
    const version = typeof server.body.server_version === 'string' ? server.body.server_version : undefined;
    const secrets = credentials.sharedSecret ? await this.registerAdopter(baseUrl, credentials.sharedSecret) : { admin_token: credentials.accessToken ?? '' };
    const admin = new SynapseAdmin(baseUrl, secrets.admin_token);
    const userId = await admin.whoami();
    if (!userId) throw new DriverError('adopt/credentials_rejected', 'The server does not accept this access token (it is wrong, expired or logged out)');
    const domain = userId.slice(userId.indexOf(':') + 1);
    const { capabilities, forbidden } = await admin.capabilities(userId);
    if (forbidden || capabilities.length === 0) {
      throw new DriverError(
        'adopt/not_admin',
        forbidden ? `${userId} is not a server admin: give the token of an admin account` : `${baseUrl} answers none of the Synapse Admin API for ${userId}; Hearth can't administer it`,
      );
    }
    return { domain, version, secrets, capabilities };
  }

  /** Adoption with the shared secret: Hearth registers an admin account of its own on the server. */
  private async registerAdopter(baseUrl: string, sharedSecret: string): Promise<InstanceSecrets> {
    const password = randomBytes(32).toString('base64url');
    let registered;
    try {
      registered = await registerWithSharedSecret(baseUrl, sharedSecret, { username: HEARTH_ADMIN_USER, password, admin: true });
    } catch (error) {
      if (error instanceof DriverError) throw new DriverError('adopt/credentials_rejected', error.message);
      throw error;
    }
    if ('inUse' in registered) {
      throw new DriverError('adopt/credentials_rejected', `An account ${HEARTH_ADMIN_USER} exists on the server already: give an admin's access token instead`);
    }
    return { admin_token: registered.accessToken, admin_password: password };
  }

  /** The user id of an account that exists (deactivated or not); throws user/not_found. */
  private async existingUser(context: InstanceContext, username: string): Promise<string> {
    const userId = this.userId(context.spec, username);
    if (!(await this.admin(context).user(userId))) throw new DriverError('user/not_found', `${userId} does not exist`);
    return userId;
  }

  private admin({ spec, secrets }: InstanceContext): SynapseAdmin {
    return new SynapseAdmin(spec.baseUrl ?? baseUrlOf(spec), requireSecret(secrets, 'admin_token'));
  }

  private userId(spec: InstanceSpec, username: string): string {
    if (typeof username !== 'string' || !LOCALPART.test(username)) {
      throw new DriverError('user/invalid', `${JSON.stringify(username)} is not a Matrix user name: use lowercase letters, digits and . _ = - / +`);
    }
    const userId = `@${username}:${spec.domain}`;
    if (userId.length > 255) throw new DriverError('user/invalid', 'A Matrix user id has at most 255 characters');
    if (username === HEARTH_ADMIN_USER || username === NOTICES_USER) throw new DriverError('user/reserved', `${username} is Hearth's own account`);
    return userId;
  }
}

async function isAdminToken(admin: SynapseAdmin): Promise<boolean> {
  const userId = await admin.whoami();
  if (!userId) return false;
  const user = await admin.user(userId).catch(() => undefined);
  return Boolean(user?.admin);
}

