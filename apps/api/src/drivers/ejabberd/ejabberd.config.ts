import { join } from 'node:path';
import { DriverError, type FederationMode, type FederationPolicy, type InstanceSpec } from '../driver';
import { selfSignedPaths } from '../certificates';
import { federationPolicy, federationPort } from '../federation-policy';
import { effectiveTls, retentionDays } from '../validation';
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

/** ejabberd.yml for ejabberd 23.01: one virtual host, listeners on the chosen addresses only. */
export function renderEjabberdConfig(spec: InstanceSpec): string {
  const tls = effectiveTls(spec);
  const days = retentionDays(spec);
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
    mod_offline: { access_max_user_messages: 'max_user_offline_messages' },
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
  // No expiry option in 23.01: the scheduled retention job deletes what is older (delete_old_mam_messages).
  // With the archive off mod_mam stays loaded, archiving nothing: its remove_user hook is what erases
  // an account's archive, including one kept from before the archive was turned off.
  modules.mod_mam = days > 0 ? { assume_mam_usage: true, default: 'always' } : { default: 'never', access_preferences: 'none' };
  const federation = federationPolicy(spec, EJABBERD_FEDERATION_MODES);
  // Dialback: how servers without a certificate the other side trusts prove who they are.
  if (federation.mode !== 'closed') modules.mod_s2s_dialback = {};

  const config: Record<string, YamlValue> = {
    hosts: [spec.domain],
    loglevel: LOG_LEVELS[spec.settings.logLevel ?? 'info'],
    hide_sensitive_log_data: true,
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
    shaper_rules: { max_user_sessions: 10, max_user_offline_messages: 1000, c2s_shaper: 'normal' },
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
  return toYaml(config, `Rendered by Hearth for instance ${spec.id}. Hearth rewrites this file: change the instance's settings instead.`);
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
