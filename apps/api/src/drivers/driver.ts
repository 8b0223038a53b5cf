/**
 * A driver knows one homeserver product: it renders its configuration from Hearth's model,
 * probes its health and speaks its admin interface. It runs nothing itself: every side effect
 * on the instance goes through the runtime handle it is given. Plain types: no Nest.
 *
 * Guarantees every driver keeps (docs/developers/adding-a-driver.md):
 * - render() is pure: same spec and secrets, same files; it reads nothing but the host's programs.
 * - Steps are idempotent, so a job can run them again after a crash.
 * - Secrets never go in argv or in an error message; they travel in stdin, env or a socket.
 */
import type { ServerKnob, ServerRetention } from '@hearth/contracts';
import type { ServerImageSpec } from '../runtimes/container/server-images';
import type { PackageTrees } from '../runtimes/packages/package-tree';
import type { ServerRelease, ServerVersion } from '../runtimes/packages/server-versions';
import type { FileEntry, ProcessSpec, Runtime } from '../runtimes/runtime';

export type { ServerKnob, ServerRetention };

export type InstanceKind = 'prosody' | 'ejabberd' | 'synapse';

export type Capability =
  | 'users.list'
  | 'users.create'
  | 'users.password'
  /** Removes the account; on Synapse it is deactivated and its profile and messages erased. */
  | 'users.delete'
  /** Connected sessions (XMPP) or devices (Matrix). */
  | 'sessions.list'
  /** Ends one session (XMPP) or logs one device out (Matrix). */
  | 'sessions.revoke'
  /** Locks an account without deleting it, reversibly. */
  | 'users.deactivate'
  /** Grants or revokes server admin rights. */
  | 'users.admin'
  /** Invite tokens the server checks itself (Synapse registration tokens). */
  | 'registration-tokens'
  | 'rooms'
  /** Reports users filed about events (Synapse event reports). */
  | 'reports'
  | 'media'
  | 'server-notices'
  /** Which remote servers federation talks to, and their state. */
  | 'federation.destinations'
  /** Applies a federation policy (driver.federationModes) and reads back what the server does. */
  | 'federation.policy'
  /** Messages leave the server-side archive after settings.messageRetentionDays. */
  | 'retention.messages'
  /** Shared files expire (settings.fileShare.retentionDays). */
  | 'retention.files'
  /** A Prometheus/OpenMetrics endpoint on the instance's loopback http port. */
  | 'metrics.openmetrics';

export type TlsSettings =
  /** Plaintext client connections; only allowed when the instance binds a loopback address. */
  | { readonly mode: 'off' }
  /** A self-signed certificate made with openssl in the instance's certs/ directory. */
  | { readonly mode: 'self-signed' }
  /** Certificate and key files the operator provides; the instance's user must be able to read them. */
  | { readonly mode: 'files'; readonly certificate: string; readonly key: string };

export interface FileShareSettings {
  /** The https URL clients reach the instance's http port through (a reverse proxy). */
  readonly externalUrl: string;
  readonly retentionDays?: number;
  readonly maxFileBytes?: number;
}

/** Operator-editable settings; every field has a default that keeps little. */
export interface InstanceSettings {
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Days messages stay in the server-side archive (MAM); default 7; 0 turns the archive off. */
  readonly messageRetentionDays?: number;
  /** Default: off on a loopback address, self-signed otherwise. */
  readonly tls?: TlsSettings;
  /** File sharing (XEP-0363); off unless set. */
  readonly fileShare?: FileShareSettings;
  /** Synapse: the URL clients reach it through (a reverse proxy); default http://<bind address>:<client port>/. */
  readonly publicBaseUrl?: string;
  /** Synapse: PostgreSQL on a server the operator names instead of SQLite in the instance directory. */
  readonly database?: DatabaseSettings;
  /** Which other servers this one talks to; default closed (no federation). */
  readonly federation?: FederationPolicy;
  /**
   * The retention policy's knobs (see ServerRetention); when set, `messageDays` wins over
   * messageRetentionDays and `logLevel` over logLevel.
   */
  readonly retention?: ServerRetention;
}

/** A retention knob as the running server has it. */
export interface KnobReading {
  /** In the policy's terms: days (null: kept for good, 0: none kept), on/off, a level, a list. */
  readonly value: ServerRetention[ServerKnob];
  /** Where it was read (the live server, its effective config) and anything the operator should know. */
  readonly detail: string;
}

export type FederationMode = 'open' | 'allowlist' | 'denylist' | 'closed';

export interface FederationPolicy {
  readonly mode: FederationMode;
  /** The allowed (allowlist) or refused (denylist) remote domains; ignored otherwise. */
  readonly domains: readonly string[];
}

/**
 * A server's federation as read back from it. Each mode holds both directions: closed takes no
 * connection from remote servers and makes none; the others listen for remote servers and apply
 * the same rule to both directions.
 */
export interface FederationReadBack {
  /** The policy the server enforces; null when what it does matches none (e.g. outgoing only). */
  readonly policy: FederationPolicy | null;
  /** What was read and where from, for the operator. */
  readonly detail: string;
}

export interface DatabaseSettings {
  readonly engine: 'postgresql';
  readonly host: string;
  readonly port: number;
  /** A role that may create roles and databases; its password, if any, is the secret database_admin_password. */
  readonly adminUser: string;
}

export interface InstanceSpec {
  /** Lowercase letters, digits, '-' and '_'; used in paths and node names. */
  readonly id: string;
  readonly kind: InstanceKind;
  /** The XMPP domain (virtual host), e.g. family.example. */
  readonly domain: string;
  /** Where client connections are accepted; admin and status ports always bind loopback. */
  readonly bindAddress: string;
  /** Absolute path of the instance's directory on the runtime's host. */
  readonly dir: string;
  /** The instance's own uid and gid on the runtime's host, if it has one (see RuntimeTarget.uid). */
  readonly uid?: number;
  /** One port for each of the driver's portNames. */
  readonly ports: Readonly<Record<string, number>>;
  readonly settings: InstanceSettings;
  /** An adopted server's base URL: Hearth reaches it there and runs nothing itself. */
  readonly baseUrl?: string;
  /**
   * Which version to run and its upstream version: on the process runtime a tree of the version
   * store ('/' for the host's own packages), on the container runtime an image. Absent: the
   * host's installed programs.
   */
  readonly release?: ServerRelease;
}

/** Secrets a driver needs (driver.secretNames); kept encrypted by Hearth, generated by generateSecrets(). */
export type InstanceSecrets = Readonly<Record<string, string>>;

/** What a driver's admin methods work on. */
export interface InstanceContext {
  readonly spec: InstanceSpec;
  readonly runtime: Runtime;
  readonly secrets: InstanceSecrets;
}

export interface PortRequirement {
  readonly name: string;
  /** 'instance': the operator's bind address; 'loopback': always 127.0.0.1. */
  readonly bind: 'instance' | 'loopback';
  readonly description: string;
}

export interface Detection {
  readonly available: boolean;
  readonly version?: string;
  readonly binary?: string;
  /** What to run to install the program (or what is missing), shown to the operator. */
  readonly installHint: string;
  readonly problems?: readonly string[];
}

export interface RenderResult {
  readonly files: readonly FileEntry[];
  readonly process: ProcessSpec;
}

export interface ProbeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly latencyMs?: number;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** Time until the client port answered a stream header with its features. */
  readonly latencyMs: number;
  readonly checks: readonly ProbeCheck[];
  readonly version?: string;
}

export interface SessionInfo {
  /** Full JID (with resource). IP addresses are deliberately not reported. */
  readonly jid: string;
  readonly connectedSeconds?: number;
}

/** An account as the operator sees it; what a server does not know is null, never guessed. */
export interface Account {
  /** The local part: alice, not @alice:family.example or alice@family.example. */
  readonly username: string;
  /** Null where admins are not a property of the account (XMPP servers configure them). */
  readonly admin: boolean | null;
  readonly deactivated: boolean;
  readonly lastSeenAt: Date | null;
  readonly displayName: string | null;
}

export interface RoomSummary {
  readonly id: string;
  readonly name: string | null;
  readonly alias: string | null;
  readonly members: number;
  readonly localMembers: number;
  readonly public: boolean;
  readonly encrypted: boolean;
  readonly creator: string | null;
}

export interface RoomDetail extends RoomSummary {
  readonly topic: string | null;
  readonly blocked: boolean;
  /** Full user ids of the joined members. */
  readonly memberIds: readonly string[];
}

export interface EventReport {
  readonly id: string;
  readonly receivedAt: Date;
  readonly roomId: string;
  readonly roomName: string | null;
  readonly eventId: string;
  /** Who reported it (a full user id). */
  readonly reporter: string;
  /** Who sent the reported event. */
  readonly sender: string | null;
  readonly reason: string | null;
  readonly score: number | null;
}

export interface EventReportDetail extends EventReport {
  /** The reported event as the server stores it: its content in context for the moderator. */
  readonly event: unknown;
}

/** A token the server itself checks when someone signs up with it (Synapse registration tokens). */
export interface RegistrationToken {
  readonly token: string;
  /** Null: unlimited. */
  readonly usesAllowed: number | null;
  readonly pending: number;
  readonly completed: number;
  readonly expiresAt: Date | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

/** One logged-in client of an account: a Matrix device or an XMPP resource. */
export interface AccountSession {
  readonly id: string;
  readonly displayName: string | null;
  readonly lastSeenAt: Date | null;
  readonly connectedSeconds: number | null;
}

export interface CreateUserOptions {
  /** 'fail' (default) throws user/exists; 'set-password' makes the call idempotent for provisioning steps. */
  readonly ifExists?: 'fail' | 'set-password';
}

/** What an adopted server turned out to be, after its credentials were checked. */
export interface Adoption {
  readonly domain: string;
  readonly version?: string;
  /** Sealed by Hearth; what the admin methods need (an admin access token). */
  readonly secrets: InstanceSecrets;
  /** What the server actually answers: adopted servers may implement only part of an admin API. */
  readonly capabilities: readonly Capability[];
}

export interface AdoptCredentials {
  readonly accessToken?: string;
  readonly sharedSecret?: string;
}

/**
 * What a backup of an instance holds besides the driver's snapshot: files archived as they are,
 * at their paths relative to the instance directory, so a restored tree is an instance directory.
 */
export interface BackupLayout {
  /** Config, keys, certificates, media: files replaced rather than changed in place. */
  readonly include: readonly string[];
  /** Paths under those that are not copied as they are: live databases (the snapshot holds their copy), sockets, pid files. */
  readonly exclude: readonly string[];
  /** Secrets that belong to the data (a Matrix server's signing key): archived, and put back with it. */
  readonly secrets: readonly string[];
  /** Everything the server keeps: a restore moves these aside first, and puts them back if it fails. */
  readonly state: readonly string[];
}

/** What a snapshot tells the restore, recorded in the backup's manifest (e.g. ejabberd's node name). */
export type SnapshotFacts = Readonly<Record<string, string>>;

export interface Driver {
  readonly kind: InstanceKind;
  readonly displayName: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly portNames: readonly PortRequirement[];
  /** The port serving the HTTP API clients use (Synapse's client API), if any: the instance's base URL. */
  readonly httpApiPort?: string;
  /** Names of the secrets render() and the admin methods need. */
  readonly secretNames: readonly string[];
  /** Log files the server writes itself (relative to the instance directory), besides its console output. */
  readonly logFiles: readonly string[];

  /** Whether this host can run the product, which version, and how to install it otherwise. */
  detect(): Promise<Detection>;

  /** The complete configuration and the command line; throws DriverError('spec/invalid') on a bad spec. */
  render(spec: InstanceSpec, secrets: InstanceSecrets): Promise<RenderResult>;

  /** After the files are written, before the first start (e.g. a self-signed certificate). Idempotent. */
  prepare(context: InstanceContext): Promise<void>;

  /**
   * Once the server answers: whatever the admin interface needs (e.g. Hearth's admin account).
   * Idempotent. Answers secrets it obtained (an access token), which Hearth stores sealed and
   * merges into the instance's secrets.
   */
  bootstrap(context: InstanceContext): Promise<InstanceSecrets | void>;

  /** Gets the software onto this host when the driver installs it itself (a root filesystem); idempotent, cached. */
  install?(onProgress: (percent: number, message: string) => void): Promise<void>;

  /** Deletes what the instance keeps outside its directory (its PostgreSQL database), when it is destroyed. Idempotent. */
  destroy?(context: InstanceContext): Promise<void>;

  /** New admin credentials for Hearth (the old ones stop working); answers the secrets to store. */
  rotateAdminCredentials?(context: InstanceContext): Promise<InstanceSecrets>;

  /** The versions of the server this host has or can get (the host's package, trees in the store, installable ones). */
  versions?(store: PackageTrees): Promise<ServerVersion[]>;

  /**
   * The container images Hearth can build of this server (runtimes/container/server-images),
   * oldest first: the first is what a new instance on the container runtime runs. Absent: the
   * server does not run on the container runtime.
   */
  readonly images?: readonly ServerImageSpec[];

  /** The given release's own check of the config rendered for it (e.g. `prosodyctl check config`), run beside the running server. */
  checkConfig?(context: InstanceContext, release?: InstanceSpec['release']): Promise<{ readonly ok: boolean; readonly output: string }>;

  /** Set when Hearth can back this kind up: what to archive besides snapshot(). */
  readonly backupLayout?: BackupLayout;

  /**
   * Writes a consistent copy of the live databases into `staging`, at the paths they have in the
   * instance directory (or paths of the driver's own for dumps), while the server runs. Throws
   * DriverError('backup/unsupported') for setups it cannot snapshot.
   */
  snapshot?(context: InstanceContext, staging: string): Promise<SnapshotFacts>;

  /**
   * A backup's files are in the instance directory and the server runs on them: loads what the
   * server must load itself (ejabberd's Mnesia backup). `facts` are the snapshot's.
   */
  loadRestored?(context: InstanceContext, facts: SnapshotFacts): Promise<void>;

  probe(spec: InstanceSpec, options?: { readonly timeoutMs?: number }): Promise<ProbeResult>;

  createUser(context: InstanceContext, username: string, password: string, options?: CreateUserOptions): Promise<void>;
  /** Local parts, sorted; Hearth's own admin account is not listed. */
  listUsers(context: InstanceContext): Promise<string[]>;
  /** Throws user/not_found. */
  changePassword(context: InstanceContext, username: string, password: string): Promise<void>;
  /**
   * Erases the account and, where the server can, what it holds: Synapse deactivates and erases
   * (profile, messages hidden from new members); XMPP servers delete the account and its message
   * archive. False when there was no such user (so a repeated step succeeds).
   */
  deleteUser(context: InstanceContext, username: string): Promise<boolean>;
  listSessions(context: InstanceContext): Promise<SessionInfo[]>;

  /** Every local account with what the server knows of it, Hearth's own excluded; sorted by username. */
  listAccounts(context: InstanceContext): Promise<Account[]>;
  /** 'sessions.list'; throws user/not_found. */
  accountSessions?(context: InstanceContext, username: string): Promise<AccountSession[]>;
  /** 'sessions.revoke': false when there was no such session. */
  revokeSession?(context: InstanceContext, username: string, sessionId: string): Promise<boolean>;
  /** 'users.admin'; throws user/not_found. */
  setAdmin?(context: InstanceContext, username: string, admin: boolean): Promise<void>;
  /** 'users.deactivate': the account can't log in and its sessions end; its data stays. Throws user/not_found. */
  deactivateUser?(context: InstanceContext, username: string): Promise<void>;
  /** 'users.deactivate': undoes deactivateUser with a new password. Throws user/not_found. */
  reactivateUser?(context: InstanceContext, username: string, password: string): Promise<void>;

  /** 'rooms': the server's rooms, most members first; `q` matches names, aliases and ids. */
  listRooms?(context: InstanceContext, query: { readonly q?: string; readonly offset: number; readonly limit: number }): Promise<Page<RoomSummary>>;
  /** Throws room/not_found. */
  room?(context: InstanceContext, roomId: string): Promise<RoomDetail>;
  /** Blocked rooms can't be joined by local users. */
  setRoomBlocked?(context: InstanceContext, roomId: string, blocked: boolean): Promise<void>;
  /** Removes every local member and purges the room from the database; waits until the server has done it. */
  deleteRoom?(context: InstanceContext, roomId: string, options: { readonly block: boolean }): Promise<void>;
  makeRoomAdmin?(context: InstanceContext, roomId: string, username: string): Promise<void>;
  /** Deletes the room's history before `before` from the database (local users' events too); waits until done. */
  purgeRoomHistory?(context: InstanceContext, roomId: string, before: Date): Promise<void>;
  /** 'reports': newest first. */
  listReports?(context: InstanceContext, query: { readonly offset: number; readonly limit: number }): Promise<Page<EventReport>>;
  /** Throws report/not_found. */
  report?(context: InstanceContext, reportId: string): Promise<EventReportDetail>;
  /** Removes the report from the server's queue; false when it was gone already. */
  dismissReport?(context: InstanceContext, reportId: string): Promise<boolean>;
  /** Redacts (deletes the content of) one event, with a reason its room sees. */
  redactEvent?(context: InstanceContext, roomId: string, eventId: string, reason: string | undefined): Promise<void>;
  /** 'registration-tokens'. */
  listRegistrationTokens?(context: InstanceContext): Promise<RegistrationToken[]>;
  createRegistrationToken?(context: InstanceContext, options: { readonly usesAllowed: number; readonly expiresAt: Date }): Promise<RegistrationToken>;
  /** Throws token/not_found. */
  deleteRegistrationToken?(context: InstanceContext, token: string): Promise<void>;
  /** 'server-notices': a message from the server to one local account. */
  sendServerNotice?(context: InstanceContext, username: string, text: string): Promise<void>;

  /** 'federation.policy': the modes this server can enforce; settings.federation is rendered into its config. */
  readonly federationModes?: readonly FederationMode[];
  /**
   * The port remote servers connect to when a policy lets them (bound to the instance's address),
   * if it is not one of portNames: allocated when a policy first needs it, then kept.
   */
  readonly federationPort?: string;
  /** What the running server actually does, read back from it or from its effective config (not from Hearth's intent). */
  effectiveFederation?(context: InstanceContext): Promise<FederationReadBack>;

  /** Deletes what the retention settings say has expired; a no-op where the server expires data itself. */
  enforceRetention(context: InstanceContext): Promise<void>;

  /**
   * The retention knobs this server cannot honour, each with the reason shown to the operator;
   * every other knob is applied (in its config, or by enforceRetention) and read back.
   */
  readonly unsupportedKnobs: Readonly<Partial<Record<ServerKnob, string>>>;

  /** Where what the server kept before any policy differs from retentionOf()'s common defaults. */
  readonly retentionDefaults?: Readonly<Partial<ServerRetention>>;

  /**
   * What the running server does for each knob it supports, read back from the live server or
   * its effective config, never from Hearth's own settings. A knob it could not read is left out.
   */
  effectiveRetention?(context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>>>;

  /**
   * Checks a server that runs elsewhere and the credentials for it, for adoption. Throws
   * DriverError: 'adopt/unreachable', 'adopt/not_this_kind', 'adopt/not_admin' or
   * 'adopt/credentials_rejected', each with a message for the operator.
   */
  adopt?(baseUrl: string, credentials: AdoptCredentials): Promise<Adoption>;
}

export type DriverErrorCode =
  | 'spec/invalid'
  | 'user/invalid'
  | 'user/reserved'
  | 'user/exists'
  | 'user/not_found'
  | 'driver/unavailable'
  | 'driver/admin_failed'
  | 'adopt/unreachable'
  | 'adopt/not_this_kind'
  | 'adopt/not_admin'
  | 'adopt/credentials_rejected'
  | 'room/not_found'
  | 'report/not_found'
  | 'token/not_found'
  | 'backup/unsupported';

/** Messages never contain a password or other secret. */
export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}
