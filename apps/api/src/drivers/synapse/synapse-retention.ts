import { posix } from 'node:path';
import { DriverError, type InstanceContext, type KnobReading, type ServerKnob, type ServerRetention } from '../driver';
import { type YamlData, YamlSubsetError, readYamlKeys } from '../yaml-reader';
import { RUNTIME_LAYOUT } from '../../runtimes/runtime';
import { synapseRequest } from './synapse-http';
import { SYNAPSE_PATHS, baseUrlOf } from './synapse.config';

const DAY_MS = 86_400_000;

/** The top-level keys Synapse 1.160 reads each supported knob from (synapse/config/*.py). */
const KEYS = [
  'retention',
  'forgotten_room_retention_period',
  'media_retention',
  'user_ips_max_age',
  'redaction_retention_period',
  'push',
  // email.redact_content, when set, overrides push.include_content (config/push.py).
  'email',
  'presence',
  'use_presence',
  'url_preview_enabled',
  'trusted_key_servers',
  'perspectives',
  'log_config',
] as const;
type Key = (typeof KEYS)[number];

interface Effective {
  /** Undefined: neither file sets the key, so Synapse's default applies. */
  readonly value: YamlData | undefined;
  readonly from: 'hearth.yaml' | 'homeserver.yaml' | 'default';
}

type Readings = Partial<Record<ServerKnob, KnobReading>>;

/**
 * What a Synapse that Hearth runs does about each retention knob, in the policy's terms. The
 * configuration is read the way Synapse merges it (homeserver.yaml, then hearth.yaml over it key
 * by key: config/_base.py read_config_files), then each key is interpreted as Synapse 1.160 does,
 * defaults and legacy spellings included; the log level and access log from the log config that
 * names. Two knobs are also asked of the running server, whose answer wins: URL previews (its
 * preview endpoint exists or not) and presence (Hearth's admin account sets itself "unavailable"
 * and reads it back: a server without presence answers "offline"). A key Hearth can't read (YAML
 * it doesn't parse) leaves its knob out.
 */
export async function effectiveSynapseRetention(context: InstanceContext): Promise<Readings> {
  const { spec } = context;
  // An adopted server's files are not Hearth's to read, nor its admin's presence Hearth's to set: every knob unread, none guessed.
  if (spec.baseUrl) return {};
  const hearth = await readKeys(context, SYNAPSE_PATHS.hearthConfig, KEYS);
  const operator = await readKeys(context, SYNAPSE_PATHS.operatorConfig, KEYS.filter((key) => !hearth.values.has(key)));
  const unreadable = new Map([...operator.errors, ...hearth.errors]);
  const effective = (key: Key): Effective | undefined => {
    if (unreadable.has(key)) return undefined;
    if (hearth.values.has(key)) return { value: hearth.values.get(key), from: 'hearth.yaml' };
    if (operator.values.has(key)) return { value: operator.values.get(key), from: 'homeserver.yaml' };
    return { value: undefined, from: 'default' };
  };
  const readings: Readings = {};
  const put = (knob: ServerKnob, needs: readonly Key[], read: (...found: Effective[]) => KnobReading | undefined) => {
    const found = needs.map(effective);
    if (found.every((entry): entry is Effective => entry !== undefined)) {
      const reading = read(...found);
      if (reading) readings[knob] = reading;
    }
  };

  put('messageDays', ['retention', 'forgotten_room_retention_period'], messageDays);
  put('mediaDays', ['media_retention'], (media) => mediaLifetime(media, 'local_media_lifetime', 'uploaded here'));
  put('remoteMediaDays', ['media_retention'], (media) => mediaLifetime(media, 'remote_media_lifetime', 'copied from other servers'));
  put('ipDays', ['user_ips_max_age'], ipDays);
  put('redactedDays', ['redaction_retention_period'], redactedDays);
  put('pushContent', ['push', 'email'], pushContent);
  put('trustedKeyServers', ['trusted_key_servers', 'perspectives'], trustedKeyServers);

  const live = await liveChecks(context);
  put('presence', ['presence', 'use_presence'], (presence, legacy) => withLive(configuredPresence(presence, legacy), live.presence));
  put('urlPreviews', ['url_preview_enabled'], (enabled) => withLive(urlPreviews(enabled), live.urlPreviews));

  const logConfig = effective('log_config');
  if (logConfig) Object.assign(readings, await logging(context, logConfig));
  return readings;
}

// --- The knobs, as Synapse reads their keys -------------------------------------------------

function messageDays(retention: Effective, forgotten: Effective): KnobReading {
  const config = isObject(retention.value) ? retention.value : {};
  const where = `retention (${retention.from})`;
  if (!pyTruthy(config.enabled ?? false)) return { value: null, detail: `${where}: off, so rooms keep their history for good` };
  const policy = isObject(config.default_policy) ? config.default_policy : {};
  const byDefault = duration(policy.max_lifetime ?? null);
  const cap = duration(config.allowed_lifetime_max ?? null);
  if (byDefault === undefined || cap === undefined) return { value: null, detail: `${where}: a duration Synapse would not read` };
  if (byDefault === null) return { value: null, detail: `${where}: no default max_lifetime, so rooms without a policy of their own keep their history for good` };
  if (cap === null) return { value: null, detail: `${where}: default max_lifetime ${show(policy.max_lifetime)}, but no allowed_lifetime_max, so a room can keep its history as long as it asks` };
  // The purge caps every room's max_lifetime, the default's included, at allowed_lifetime_max: the longest any room keeps.
  const longest = cap;
  const jobs = Array.isArray(config.purge_jobs) && config.purge_jobs.length > 0 ? config.purge_jobs : [{ interval: '1d' }];
  const job = jobs.find((candidate) => {
    if (!isObject(candidate)) return false;
    const shortest = duration(candidate.shortest_max_lifetime ?? null);
    const longestJob = duration(candidate.longest_max_lifetime ?? null);
    return (shortest === null || (shortest !== undefined && shortest < longest)) && (longestJob === null || (longestJob !== undefined && longest <= longestJob));
  });
  if (!job || !isObject(job)) return { value: null, detail: `${where}: no purge job covers a max_lifetime of ${show(config.allowed_lifetime_max)}, so nothing is purged` };
  const forgottenRooms =
    forgotten.value === undefined || forgotten.value === null ? 'rooms everyone here forgot are kept' : `rooms everyone here forgot are purged after ${show(forgotten.value)} (${forgotten.from})`;
  return {
    value: days(longest),
    detail:
      `${where}: messages older than ${show(policy.max_lifetime)} (rooms can't ask for more than ${show(config.allowed_lifetime_max)}) are purged every ${show(job.interval)}; ` +
      `state events and each room's latest message stay in the database, hidden from clients; ${forgottenRooms}`,
  };
}

function mediaLifetime(media: Effective, key: 'local_media_lifetime' | 'remote_media_lifetime', what: string): KnobReading | undefined {
  const config = isObject(media.value) ? media.value : {};
  const lifetime = duration(config[key] ?? null);
  if (lifetime === undefined) return undefined;
  const where = `media_retention.${key} (${media.from})`;
  if (lifetime === null) return { value: null, detail: `${where}: not set, so files ${what} are kept for good` };
  return { value: days(lifetime), detail: `${where}: ${show(config[key])}: files ${what} nobody fetched for that long are deleted hourly (profile pictures are kept)` };
}

function ipDays(age: Effective): KnobReading | undefined {
  const raw = age.value === undefined ? '28d' : age.value;
  const lifetime = duration(raw);
  if (lifetime === undefined) return undefined;
  const where = `user_ips_max_age (${age.from})`;
  // client_ips.py prunes only for a truthy age: 0 keeps them for good, like null.
  if (!lifetime) return { value: null, detail: `${where}: ${show(raw)}, so Synapse never prunes client IP addresses` };
  return {
    value: days(lifetime),
    detail: `${where}: ${show(raw)}, pruned every 5 seconds; the last address of each logged-in device stays with the device until it logs out`,
  };
}

function redactedDays(period: Effective): KnobReading | undefined {
  const raw = period.value === undefined ? '7d' : period.value;
  const lifetime = duration(raw);
  if (lifetime === undefined) return undefined;
  const where = `redaction_retention_period (${period.from})`;
  if (lifetime === null) return { value: null, detail: `${where}: null, so redacted messages keep their content in the database for good` };
  return { value: days(lifetime), detail: `${where}: ${show(raw)}; redacted messages' content is erased from the database every 5 minutes` };
}

function pushContent(push: Effective, email: Effective): KnobReading {
  const config = isObject(push.value) ? push.value : {};
  const redact = isObject(email.value) ? email.value.redact_content : undefined;
  if (redact !== undefined && redact !== null) {
    // config/push.py honours the deprecated email.redact_content over push.include_content.
    const included = !pyTruthy(redact);
    return { value: included, detail: `email.redact_content: ${show(redact)} (${email.from}) overrides push.include_content: pushes ${included ? 'carry' : "don't carry"} message content` };
  }
  const included = 'include_content' in config ? pyTruthy(config.include_content) : true;
  return { value: included, detail: `push.include_content (${'include_content' in config ? push.from : 'default'}): ${included}` };
}

function trustedKeyServers(servers: Effective, perspectives: Effective): KnobReading | undefined {
  if (servers.value === undefined && perspectives.value === undefined) {
    return { value: ['matrix.org'], detail: "Neither trusted_key_servers nor perspectives is set: Synapse's default, matrix.org" };
  }
  const listed = servers.value ?? [];
  if (!Array.isArray(listed) || !listed.every((entry) => isObject(entry) && typeof entry.server_name === 'string')) return undefined;
  const named = listed.map((entry) => (entry as { server_name: string }).server_name);
  // config/key.py adds the legacy perspectives.servers to the list.
  const legacy = isObject(perspectives.value) && isObject(perspectives.value.servers) ? Object.keys(perspectives.value.servers) : [];
  const parts = [`trusted_key_servers (${servers.from}): ${named.length ? JSON.stringify(named) : 'none'}`];
  if (legacy.length) parts.push(`perspectives (${perspectives.from}) adds ${JSON.stringify(legacy)}`);
  return { value: [...named, ...legacy], detail: parts.join('; ') };
}

function configuredPresence(presence: Effective, legacy: Effective): KnobReading {
  const config = isObject(presence.value) ? presence.value : {};
  const enabled = config.enabled ?? null;
  if (enabled === null) {
    const on = legacy.value === undefined ? true : pyTruthy(legacy.value);
    return { value: on, detail: `presence.enabled not set; use_presence (${legacy.from}): ${on}` };
  }
  if (enabled === 'untracked') return { value: false, detail: `presence.enabled (${presence.from}): untracked, so local users' presence is not tracked or shared` };
  return { value: pyTruthy(enabled), detail: `presence.enabled (${presence.from}): ${pyTruthy(enabled)}` };
}

function urlPreviews(enabled: Effective): KnobReading {
  const on = enabled.value === undefined ? false : pyTruthy(enabled.value);
  return { value: on, detail: `url_preview_enabled (${enabled.from}): ${on}` };
}

/** The running server's answer wins over its files (which may have changed since it started). */
function withLive(configured: KnobReading, live: { value: boolean; detail: string } | string): KnobReading {
  if (typeof live === 'string') return { value: configured.value, detail: `${configured.detail}; not confirmed by the server: ${live}` };
  const agrees = live.value === configured.value;
  return { value: live.value, detail: `${live.detail}; ${configured.detail}${agrees ? '' : ': the config files changed since Synapse started'}` };
}

// --- Asked of the running server -------------------------------------------------------------

interface Live {
  readonly presence: { value: boolean; detail: string } | string;
  readonly urlPreviews: { value: boolean; detail: string } | string;
}

async function liveChecks({ spec, secrets }: InstanceContext): Promise<Live> {
  const token = secrets.admin_token;
  if (!token) return { presence: "Hearth has no admin token for it yet", urlPreviews: "Hearth has no admin token for it yet" };
  const baseUrl = baseUrlOf(spec);
  const ask = (path: string, method: 'GET' | 'PUT' = 'GET', body?: unknown) => synapseRequest<Record<string, unknown>>(baseUrl, path, { method, token, body, timeoutMs: 5_000 });

  // Without url_preview_enabled the endpoint is not there (404, or 403 with MSC4452); with it, it wants a url (400).
  const preview = await ask('/_matrix/client/v1/media/preview_url');
  const urlPreviews =
    preview.status === 400
      ? { value: true, detail: 'the server answers GET /_matrix/client/v1/media/preview_url' }
      : preview.status === 404 || preview.status === 403
        ? { value: false, detail: `the server has no URL previews (GET /_matrix/client/v1/media/preview_url: ${preview.status})` }
        : `GET /_matrix/client/v1/media/preview_url answered ${preview.status}`;

  const who = await ask('/_matrix/client/v3/account/whoami');
  const self = typeof who.body.user_id === 'string' ? who.body.user_id : undefined;
  if (!self) return { urlPreviews, presence: `whoami answered ${who.status}` };
  const path = `/_matrix/client/v3/presence/${encodeURIComponent(self)}/status`;
  // "unavailable" (away) rather than "online": the admin account shares few rooms, and shows as away in those.
  const set = await ask(path, 'PUT', { presence: 'unavailable' });
  if (set.status !== 200) return { urlPreviews, presence: set.status === 429 ? 'presence changes are rate-limited, try again in a few seconds' : `PUT presence answered ${set.status}` };
  const got = await ask(path);
  const state = got.body.presence;
  const presence =
    state === 'unavailable'
      ? { value: true, detail: "the server keeps presence: Hearth's admin account set itself away and reads back \"unavailable\"" }
      : state === 'offline'
        ? { value: false, detail: "the server keeps no presence: Hearth's admin account set itself away and reads back \"offline\"" }
        : `GET presence answered ${got.status} ${JSON.stringify(state)}`;
  return { presence, urlPreviews };
}

// --- Logging ---------------------------------------------------------------------------------

const LEVELS: Record<string, number> = { NOTSET: 0, DEBUG: 10, INFO: 20, WARN: 30, WARNING: 30, ERROR: 40, CRITICAL: 50, FATAL: 50 };

/**
 * The log level and whether client IPs reach the log, from the file log_config names (Synapse
 * reads it at start and on SIGHUP). Synapse logs client addresses in its access log only
 * (synapse.access.<http|https>.<listener>, at INFO per request and DEBUG on arrival).
 */
async function logging(context: InstanceContext, logConfig: Effective): Promise<Readings> {
  const path = logConfig.value;
  if (path === undefined || path === null) {
    return {
      logLevel: { value: 'info', detail: 'No log_config: Synapse logs at INFO' },
      logIps: { value: true, detail: "No log_config: Synapse's default logging writes the access log, with client IPs" },
    };
  }
  const prefix = `${RUNTIME_LAYOUT.rootfsInstanceDir}/`;
  if (typeof path !== 'string' || !path.startsWith(prefix)) return {};
  const relative = posix.normalize(path.slice(prefix.length));
  if (relative.startsWith('..')) return {};
  const { values, errors } = await readKeys(context, relative, ['root', 'loggers']);
  if (errors.size) return {};
  const root = values.get('root');
  const loggers = isObject(values.get('loggers')) ? (values.get('loggers') as Record<string, YamlData>) : {};
  const levelOf = (config: YamlData | undefined): number | undefined => {
    if (!isObject(config) || config.level === undefined || config.level === null) return undefined;
    const level = config.level;
    if (typeof level === 'number') return level;
    return typeof level === 'string' ? LEVELS[level.toUpperCase()] : undefined;
  };
  // Python's root logger defaults to WARNING; a NOTSET root logs everything.
  const rootLevel = levelOf(root ?? undefined) ?? 30;
  const inherited = [loggers['synapse.access'], loggers.synapse].map(levelOf).find((level) => level !== undefined && level !== 0) ?? rootLevel;
  // Loggers configured below synapse.access (a listener's own) may be more verbose than it.
  const below = Object.entries(loggers)
    .filter(([name]) => name.startsWith('synapse.access.'))
    .map(([, config]) => levelOf(config))
    .filter((level): level is number => level !== undefined && level !== 0);
  const access = Math.min(inherited, ...below);
  const file = `${relative} (log_config, ${logConfig.from})`;
  return {
    logLevel: { value: levelName(rootLevel), detail: `${file}: root level ${show(isObject(root) ? root.level : 'unset')}` },
    logIps: {
      value: access <= 20,
      detail: `${file}: the access log (client IP, account and request of every request) is ${access <= 20 ? 'written' : 'off'} (synapse.access at level ${access})`,
    },
  };
}

function levelName(level: number): ServerRetention['logLevel'] {
  if (level <= 10) return 'debug';
  if (level <= 20) return 'info';
  if (level <= 30) return 'warn';
  return 'error';
}

// --- Reading YAML the way Synapse does -------------------------------------------------------

/** The keys each file sets; a key Hearth can't parse is in errors rather than failing the others. */
async function readKeys(context: InstanceContext, path: string, keys: readonly string[]): Promise<{ values: Map<string, YamlData>; errors: Map<string, string> }> {
  const values = new Map<string, YamlData>();
  const errors = new Map<string, string>();
  if (keys.length === 0) return { values, errors };
  // As the instance's user, like the server reads it.
  const read = await context.runtime.exec(context.spec, 'cat', ['--', path], { timeoutMs: 10_000 });
  if (read.code !== 0) throw new DriverError('driver/admin_failed', `Could not read ${path}: ${read.stderr.trim().slice(0, 300)}`);
  for (const key of keys) {
    try {
      const value = readYamlKeys(read.stdout, [key])[key];
      if (value !== undefined) values.set(key, value);
    } catch (error) {
      if (!(error instanceof YamlSubsetError)) throw error;
      // The whole file is beyond Hearth's reader (tabs, two documents): nothing in it can be trusted.
      if (!error.message.startsWith(`${key}:`)) throw new DriverError('driver/admin_failed', `Hearth can't read ${path}: ${error.message}`);
      errors.set(key, error.message);
    }
  }
  return { values, errors };
}

/** Synapse's parse_duration: an integer is milliseconds; a string may end in s, m, h, d, w or y. Undefined: not a duration. */
export function duration(value: YamlData): number | null | undefined {
  if (value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*([-+]?\d+(?:_\d+)*)\s*([smhdwy]?)$/.exec(value);
  if (!match) return undefined;
  const sizes: Record<string, number> = { '': 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS, y: 365 * DAY_MS };
  return Number(match[1].replace(/_/g, '')) * sizes[match[2]];
}

/**
 * Milliseconds in the policy's days: up to a minute counts as none kept (Synapse's shortest
 * sweeps take seconds), anything longer as the days it spans, rounded up.
 */
function days(ms: number): number {
  return ms <= 60_000 ? 0 : Math.ceil(ms / DAY_MS);
}

/** Python's truthiness of what PyYAML (YAML 1.1) reads: yes/no and on/off are booleans there. */
function pyTruthy(value: YamlData): boolean {
  if (typeof value === 'string') {
    if (/^(yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(value)) return true;
    if (/^(no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(value)) return false;
    return value !== '';
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

function show(value: YamlData | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function isObject(value: YamlData | undefined): value is { [key: string]: YamlData } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
