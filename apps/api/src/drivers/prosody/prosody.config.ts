import { join, posix } from 'node:path';
import type { FederationMode, FederationPolicy, InstanceSpec } from '../driver';
import { federationPolicy, federationPort } from '../federation-policy';
import { effectiveTls, retentionDays } from '../validation';
import { luaString } from './prosody-admin-socket';

/** Where the Prosody driver keeps things inside the instance directory. */
export const PROSODY_PATHS = {
  config: 'conf/prosody.cfg.lua',
  data: 'data',
  run: 'run',
  certs: 'certs',
  adminSocket: 'run/admin.sock',
  pidFile: 'run/prosody.pid',
} as const;

/** Every store (accounts, rosters, archive) lives in this one SQLite database. */
export const PROSODY_DATABASE = 'data/prosody.sqlite';

const BASE_MODULES = [
  'roster',
  'saslauth',
  'disco',
  'carbons',
  'pep',
  'private',
  'blocklist',
  'vcard4',
  'vcard_legacy',
  'bookmarks',
  'limits',
  'version',
  'uptime',
  'time',
  'ping',
  'csi_simple',
  'smacks',
  // In-band registration stays closed (allow_registration); the module also lets users change their password.
  'register',
  'admin_shell',
  'http_openmetrics',
];

const LOG_LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/** The port remote servers connect to; not allocated with the instance, but when a policy first opens federation. */
export const S2S_PORT = 's2s';

/**
 * Prosody 0.12 (and 13) has no list of allowed or refused servers of its own, and bookworm's
 * prosody-modules has no mod_s2s_whitelist or mod_s2s_blacklist; its mod_host_guard would do
 * both but fails at server start on 0.12 (it uses the global `configmanager`, gone since 0.12).
 */
export const PROSODY_FEDERATION_MODES: readonly FederationMode[] = ['closed', 'open'];

/**
 * The whole configuration of one Prosody 0.12 instance. Nothing is inherited from
 * /etc/prosody: every path points into the instance directory, and every network service
 * is either bound explicitly or switched off.
 */
export function renderProsodyConfig(spec: InstanceSpec): string {
  const path = (relative: string) => luaString(join(spec.dir, relative));
  const tls = effectiveTls(spec);
  const days = retentionDays(spec);
  const modules = [...BASE_MODULES];
  if (tls.mode !== 'off') modules.push('tls');
  if (days > 0) modules.push('mam');
  const level = LOG_LEVELS[spec.settings.logLevel ?? 'info'];
  const share = spec.settings.fileShare;
  const federation = federationPolicy(spec, PROSODY_FEDERATION_MODES);
  // Dialback: how servers without a certificate the other side trusts prove who they are.
  if (federation.mode !== 'closed') modules.push('dialback');

  const lines = [
    `-- Rendered by Hearth for instance ${spec.id}. Hearth rewrites this file: change the instance's settings instead.`,
    '',
    `pidfile = ${path(PROSODY_PATHS.pidFile)}`,
    `data_path = ${path(PROSODY_PATHS.data)}`,
    `certificates = ${path(PROSODY_PATHS.certs)}`,
    `admin_socket = ${path(PROSODY_PATHS.adminSocket)}`,
    // stdout, which the runtime appends to the instance's console log.
    `log = { { levels = { min = ${luaString(level)} }, to = "stdout", timestamps = "%Y-%m-%d %H:%M:%S" } }`,
    '',
    '-- Network: anything not bound below listens on loopback only, or not at all.',
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${spec.ports.client} }`,
    `c2s_interfaces = { ${luaString(spec.bindAddress)} }`,
    'c2s_direct_tls_ports = {}',
    'legacy_ssl_ports = {}',
    ...s2sNetwork(spec, federation),
    `http_ports = { ${spec.ports.http} }`,
    'http_interfaces = { "127.0.0.1" }',
    'https_ports = {}',
    'component_ports = {}',
    ...(share ? [`http_external_url = ${luaString(share.externalUrl)}`] : []),
    '',
    `modules_enabled = { ${modules.map(luaString).join(', ')} }`,
    // Closed: mod_s2s (and the certificate check only s2s uses) is not even loaded.
    federation.mode === 'closed' ? 'modules_disabled = { "s2s", "s2s_auth_certs" }' : 'modules_disabled = {}',
    'allow_registration = false',
    'hide_os_type = true',
    '',
    'authentication = "internal_hashed"',
    tls.mode === 'off'
      ? '-- Plaintext is allowed only because the client port is on loopback; PLAIN stays off, so passwords still never cross the socket.'
      : '-- Clients must use STARTTLS before authenticating.',
    `c2s_require_encryption = ${tls.mode === 'off' ? 'false' : 'true'}`,
    'allow_unencrypted_plain_auth = false',
    '',
    '-- SQLite, so a consistent snapshot can be taken while the server runs.',
    'storage = "sql"',
    `sql = { driver = "SQLite3", database = "${posix.basename(PROSODY_DATABASE)}" }`,
    '',
    ...(days > 0 ? [`-- Messages leave the archive after ${days} days (expiry runs daily).`, `archive_expires_after = ${luaString(`${days}d`)}`] : ['-- No server-side message archive.']),
    '',
    'statistics = "internal"',
    'openmetrics_allow_ips = { "127.0.0.1", "::1" }',
    '',
    `VirtualHost ${luaString(spec.domain)}`,
  ];
  if (tls.mode === 'files') {
    lines.push(`  ssl = { certificate = ${luaString(tls.certificate)}, key = ${luaString(tls.key)} }`);
  }
  if (share) {
    const seconds = (share.retentionDays ?? 7) * 86400;
    lines.push(
      '',
      `Component ${luaString(`upload.${spec.domain}`)} "http_file_share"`,
      `  http_file_share_expires_after = ${seconds}`,
      ...(share.maxFileBytes ? [`  http_file_share_size_limit = ${share.maxFileBytes}`] : []),
    );
  }
  return lines.join('\n') + '\n';
}

function s2sNetwork(spec: InstanceSpec, federation: FederationPolicy): string[] {
  if (federation.mode === 'closed') return ['-- Federation closed: no s2s listener, no outgoing s2s.', 's2s_ports = {}', 's2s_direct_tls_ports = {}'];
  const port = federationPort(spec, S2S_PORT);
  return [`-- Federation ${federation.mode}: remote servers connect here.`, `s2s_ports = { ${port} }`, `s2s_interfaces = { ${luaString(spec.bindAddress)} }`, 's2s_direct_tls_ports = {}'];
}
