import { join } from 'node:path';
import { DriverError, type FederationMode, type FederationPolicy, type InstanceSpec } from '../driver';
import { selfSignedPaths } from '../certificates';
import { federationPolicy, federationPort } from '../federation-policy';
import { effectiveTls, retentionKnobs } from '../validation';
import { type YamlValue, toYaml } from '../yaml';

/** Where the ejabberd driver keeps things inside the instance directory. */
export const EJABBERD_PATHS = {
  configDir: 'conf',
  config: 'conf/ejabberd.yml',
  ctlConfig: 'conf/ejabberdctl.cfg',
  ctl: 'bin/ejabberdctl',
  spool: 'data',
  /** Where a backup keeps the Mnesia backup the snapshot took (ejabberdctl backup). */
  snapshot: 'backup/ejabberd.mnesia',
  logs: 'logs',
  certs: 'certs',
  /** In HOME (the runtime's home/), where Erlang looks for it. */
  cookie: 'home/.erlang.cookie',
} as const;

/** Hearth's own account in the virtual host: the only one mod_http_api gives admin rights. */
export const HEARTH_ADMIN_USER = 'hearth-admin';

/** Mnesia's data belongs to the node name, so it derives from the instance id and never changes. */
export function nodeName(spec: InstanceSpec): string {
  return `ejabberd_${spec.id.replace(/-/g, '_')}@localhost`;
}

export function adminJid(spec: InstanceSpec): string {
  return `${HEARTH_ADMIN_USER}@${spec.domain}`;
}

const LOG_LEVELS = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' } as const;
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** Every mode: s2s_access takes an access rule, and an ACL of remote servers (`server:`) names the domains. */
export const EJABBERD_FEDERATION_MODES: readonly FederationMode[] = ['closed', 'allowlist', 'denylist', 'open'];
/** The port remote servers connect to; not allocated with the instance, but when a policy first opens federation. */
export const S2S_PORT = 's2s';
/** The names Hearth gives its federation rule and ACLs in ejabberd.yml. */
export const FEDERATION_NAMES = { rule: 'federation', allowed: 'federation_allowed', refused: 'federation_refused' } as const;

/**
 * Where Hearth's purge finds its windows (whole days) in the configuration the node loaded:
 * ejabberd 23.01 expires neither archived nor offline messages itself. Shaper rules because
 * ejabberd keeps them in the loaded configuration (dump_config) and accepts any name and a
 * positive number; nothing in ejabberd uses these two.
 */
export const RETENTION_RULES = { messages: 'hearth_message_days', offline: 'hearth_offline_days' } as const;

const RETENTION_HEADER = [
  `shaper_rules ${RETENTION_RULES.messages} and ${RETENTION_RULES.offline}: the days archived and offline messages are kept.`,
  "ejabberd expires neither itself and uses neither rule: Hearth's purge reads them from the running node",
  '(dump_config) and deletes older messages (delete_old_mam_messages, delete_old_messages). No rule: kept for good.',
].join('\n');

/** ejabberd.yml for ejabberd 23.01: one virtual host, listeners on the chosen addresses only. */
export function renderEjabberdConfig(spec: InstanceSpec): string {
  const tls = effectiveTls(spec);
  const retention = retentionKnobs(spec);
  const days = retention.messageDays;
  const certfiles =
    tls.mode === 'self-signed'
      ? [join(spec.dir, selfSignedPaths(spec.domain).certificate), join(spec.dir, selfSignedPaths(spec.domain).key)]
      : tls.mode === 'files'
        ? [tls.certificate, tls.key]
        : [];

  const modules: Record<string, YamlValue> = {
    mod_adhoc: {},
    mod_admin_extra: {},
    mod_blocking: {},
    mod_caps: {},
    mod_carboncopy: {},
    mod_client_state: {},
    mod_disco: {},
    mod_last: {},
    // Not loaded when no offline message may be kept: messages to accounts that are offline bounce.
    ...(retention.offlineDays === 0 ? {} : { mod_offline: { access_max_user_messages: 'max_user_offline_messages' } }),
    mod_ping: {},
    mod_privacy: {},
    mod_private: {},
    mod_pubsub: {
      access_createnode: 'pubsub_createnode',
      plugins: ['flat', 'pep'],
      force_node_config: { 'storage:bookmarks': { access_model: 'whitelist' } },
    },
    mod_roster: { versioning: true },
    mod_stream_mgmt: { resend_on_timeout: 'if_offline' },
    mod_vcard: { search: false },
    mod_vcard_xupdate: {},
    mod_version: { show_os: false },
  };
  // No expiry option in 23.01: Hearth's purge deletes what is older (delete_old_mam_messages, RETENTION_RULES).
  // With the archive off mod_mam stays loaded, archiving nothing: its remove_user hook is what erases
  // an account's archive, including one kept from before the archive was turned off, and the purge
  // deletes the rest.
  modules.mod_mam = days !== 0 ? { assume_mam_usage: true, default: 'always' } : { default: 'never', access_preferences: 'none' };
  const federation = federationPolicy(spec, EJABBERD_FEDERATION_MODES);
  // Dialback: how servers without a certificate the other side trusts prove who they are.
  if (federation.mode !== 'closed') modules.mod_s2s_dialback = {};

  const config: Record<string, YamlValue> = {
    hosts: [spec.domain],
    loglevel: LOG_LEVELS[retention.logLevel],
    // Client IP addresses (and passwords of API calls) become "hidden_by_ejabberd" in the logs.
    hide_sensitive_log_data: !retention.logIps,
    log_rotate_size: 10 * 1024 * 1024,
    log_rotate_count: 1,
    // Never reach out to Let's Encrypt by itself.
    acme: { auto: false },
    ...(certfiles.length > 0 ? { certfiles } : {}),
    auth_method: ['mnesia'],
    auth_password_format: 'scram',
    // Without TLS only SCRAM remains, so the password itself never crosses the socket.
    disable_sasl_mechanisms: tls.mode === 'off' ? ['PLAIN', 'DIGEST-MD5', 'X-OAUTH2'] : ['DIGEST-MD5', 'X-OAUTH2'],
    // Checked for both directions: outgoing connections, and remote servers that authenticated.
    s2s_access: federation.mode === 'closed' ? 'none' : federation.mode === 'open' ? 'all' : FEDERATION_NAMES.rule,
    ...(federation.mode !== 'closed' && tls.mode !== 'off' ? { s2s_use_starttls: 'optional' } : {}),
    listen: [
      {
        port: spec.ports.client,
        ip: spec.bindAddress,
        module: 'ejabberd_c2s',
        max_stanza_size: 262144,
        shaper: 'c2s_shaper',
        access: 'c2s',
        ...(tls.mode === 'off' ? {} : { starttls: true, starttls_required: true }),
      },
      {
        port: spec.ports.http,
        ip: '127.0.0.1',
        module: 'ejabberd_http',
        request_handlers: { '/api': 'mod_http_api' },
      },
      // Closed: no listener for remote servers at all.
      ...(federation.mode === 'closed' ? [] : [{ port: federationPort(spec, S2S_PORT), ip: spec.bindAddress, module: 'ejabberd_s2s_in', max_stanza_size: 524288 }]),
    ],
    shaper: { normal: { rate: 3000, burst_size: 20000 }, fast: 100000 },
    shaper_rules: {
      max_user_sessions: 10,
      max_user_offline_messages: 1000,
      c2s_shaper: 'normal',
      ...(days ? { [RETENTION_RULES.messages]: days } : {}),
      ...(retention.offlineDays ? { [RETENTION_RULES.offline]: retention.offlineDays } : {}),
    },
    acl: {
      hearth_admin: { user: adminJid(spec) },
      local: { user_regexp: '' },
      loopback: { ip: LOOPBACK },
      ...federationAcl(federation),
    },
    access_rules: {
      // Hearth's account administers over HTTP only; it can't log in as a chat user.
      c2s: { deny: 'hearth_admin', allow: 'all' },
      pubsub_createnode: { allow: 'local' },
      ...federationRule(federation),
    },
    api_permissions: {
      // ejabberdctl needs the Erlang cookie, which only the instance's user (and root) can read.
      'ejabberdctl of this instance': { from: ['ejabberd_ctl'], who: 'all', what: '*' },
      'Hearth admin account': { from: ['mod_http_api'], who: { user: adminJid(spec) }, what: '*' },
      'status from loopback': { from: ['mod_http_api'], who: { ip: LOOPBACK }, what: ['status'] },
    },
    modules,
  };
  return toYaml(config, `Rendered by Hearth for instance ${spec.id}. Hearth rewrites this file: change the instance's settings instead.\n\n${RETENTION_HEADER}`);
}

function federationAcl(federation: FederationPolicy): Record<string, YamlValue> {
  if (federation.mode === 'allowlist') return { [FEDERATION_NAMES.allowed]: { server: federation.domains } };
  if (federation.mode === 'denylist') return { [FEDERATION_NAMES.refused]: { server: federation.domains } };
  return {};
}

function federationRule(federation: FederationPolicy): Record<string, YamlValue> {
  if (federation.mode === 'allowlist') return { [FEDERATION_NAMES.rule]: { allow: FEDERATION_NAMES.allowed } };
  if (federation.mode === 'denylist') return { [FEDERATION_NAMES.rule]: { deny: FEDERATION_NAMES.refused, allow: 'all' } };
  return {};
}

/** Sourced by ejabberdctl: the node's name and its distribution port, so that no epmd is needed. */
export function renderCtlConfig(spec: InstanceSpec): string {
  return [
    `# Rendered by Hearth for instance ${spec.id}.`,
    `ERLANG_NODE=${nodeName(spec)}`,
    // With ERL_DIST_PORT set, ejabberdctl passes -erl_epmd_port and -start_epmd false.
    `ERL_DIST_PORT=${spec.ports.dist}`,
    // Distribution (the way ejabberdctl talks to the node) listens on loopback only.
    'ERL_OPTIONS="-kernel inet_dist_use_interface {127,0,0,1}"',
    'EJABBERD_BYPASS_WARNINGS=true',
    '',
  ].join('\n');
}

/**
 * A per-instance copy of the host's ejabberdctl with two changes: INSTALLUSER emptied (the
 * Debian script insists on the system user 'ejabberd' otherwise), and `exec` when HEARTH_EXEC
 * says so, so that `foreground` replaces the shell and the runtime's pid is the Erlang VM.
 */
export function patchEjabberdctl(script: string): string {
  const installUser = /^INSTALLUSER=.*$/m;
  const asCurrentUser = /^(\s*as_current_user\)) "\$@" ;;$/m;
  if (!installUser.test(script) || !asCurrentUser.test(script)) {
    throw new DriverError('driver/unavailable', "This ejabberdctl is not one Hearth knows how to adapt (no INSTALLUSER or as_current_user line)");
  }
  return script
    .replace(installUser, '# Hearth: run as whoever starts this copy.\nINSTALLUSER=')
    .replace(asCurrentUser, '$1 $HEARTH_EXEC "$@" ;;');
}
