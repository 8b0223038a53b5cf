import { DriverError, type InstanceContext, type KnobReading, type ServerKnob } from '../driver';
import type { YamlData } from '../yaml-reader';
import { dumpConfig } from './ejabberd-federation';
import type { EjabberdHttpApi } from './ejabberd-http-api';
import { RETENTION_RULES } from './ejabberd.config';

/** The knobs ejabberd 23.01, as Hearth sets it up, can't honour, with the reason the operator reads. */
export const EJABBERD_UNSUPPORTED_KNOBS: Readonly<Partial<Record<ServerKnob, string>>> = {
  mediaDays: 'Hearth sets up no file sharing (mod_http_upload) on ejabberd: nothing uploaded is kept',
  remoteMediaDays: "XMPP servers don't copy other servers' files: uploads stay on the server they were sent to, so there is nothing to keep",
  ipDays:
    'ejabberd as Hearth sets it up stores no client IP addresses: a connected session holds its address in memory until it ends (for the logs, see IP addresses in logs)',
  redactedDays:
    'XMPP servers keep no redacted content apart: a retracted message stays in the archive like any other, for as long as messages are kept',
  pushContent: 'Hearth sets up no push notifications (mod_push) on ejabberd: nothing is sent to a push service',
  presence: 'ejabberd has no switch for presence: it is part of XMPP, and each person chooses the contacts who see it',
  urlPreviews: "XMPP servers don't fetch links people post: previews, if any, are made by the clients",
  trustedKeyServers: "XMPP servers don't ask third parties to vouch for other servers' keys: certificates and dialback do that",
};

/** ejabberd's levels (logger's) as the policy names them; those between take the more talkative neighbour. */
const LEVELS: Readonly<Record<string, 'debug' | 'info' | 'warn' | 'error'>> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
  none: 'error',
};

/** What the running node does about retention, from the configuration it loaded and its logger. */
export interface EjabberdRetentionFacts {
  /** mod_mam's options, or undefined when it is not loaded. */
  readonly mam?: { readonly [key: string]: YamlData };
  readonly offline: boolean;
  /** The windows Hearth's purge applies (RETENTION_RULES): days, undefined when the node has no such rule. */
  readonly rules: { readonly messages?: YamlData; readonly offline?: YamlData };
  readonly hideSensitiveLogData: YamlData | undefined;
  readonly logLevel: string | undefined;
}

export async function readEjabberdRetention(context: InstanceContext, api: EjabberdHttpApi): Promise<EjabberdRetentionFacts> {
  const config = await dumpConfig(context, api, ['modules', 'shaper_rules', 'hide_sensitive_log_data']);
  const modules = isMapping(config.modules) ? config.modules : {};
  const rules = isMapping(config.shaper_rules) ? config.shaper_rules : {};
  const mam = Object.hasOwn(modules, 'mod_mam') ? (isMapping(modules.mod_mam) ? modules.mod_mam : {}) : undefined;
  let logLevel: string | undefined;
  try {
    // The logger's level now (set_loglevel changes it without touching the config).
    const answer = await api.call<{ levelatom?: string } | string>('get_loglevel');
    logLevel = typeof answer === 'string' ? answer : answer?.levelatom;
  } catch (error) {
    throw new DriverError('driver/admin_failed', `ejabberd get_loglevel: ${(error as Error).message}`);
  }
  return {
    mam,
    offline: Object.hasOwn(modules, 'mod_offline'),
    rules: { messages: rules[RETENTION_RULES.messages], offline: rules[RETENTION_RULES.offline] },
    hideSensitiveLogData: config.hide_sensitive_log_data,
    logLevel,
  };
}

/** A window as Hearth's purge reads it: whole days, null for a node without the rule (or with one it can't use). */
function ruleDays(rule: YamlData | undefined): number | null {
  return typeof rule === 'number' && Number.isSafeInteger(rule) && rule > 0 ? rule : null;
}

/** Whether mod_mam archives anything: its default (never unless set) and whether people may change it. */
function archiving(mam: { readonly [key: string]: YamlData }): boolean {
  return (mam.default ?? 'never') !== 'never' || (mam.access_preferences ?? 'all') !== 'none';
}

/**
 * The days each store keeps messages in the running node: null for good, 0 for none; undefined
 * where the purge can't act (the module is not loaded, so ejabberd's command for it fails).
 */
export function ejabberdWindows(facts: EjabberdRetentionFacts): { archive: number | null; offline: number | null } {
  return {
    archive: !facts.mam || !archiving(facts.mam) ? 0 : ruleDays(facts.rules.messages),
    offline: facts.offline ? ruleDays(facts.rules.offline) : 0,
  };
}

export async function effectiveEjabberdRetention(context: InstanceContext, api: EjabberdHttpApi): Promise<Partial<Record<ServerKnob, KnobReading>>> {
  const facts = await readEjabberdRetention(context, api);
  const windows = ejabberdWindows(facts);
  const rule = (name: string, value: YamlData | undefined) => (value === undefined ? `no shaper rule ${name}` : `shaper rule ${name}: ${JSON.stringify(value)}`);
  const dumped = 'dump_config of the running node';
  const readings: Partial<Record<ServerKnob, KnobReading>> = {
    messageDays: {
      value: windows.archive,
      detail: !facts.mam
        ? `mod_mam is not loaded: nothing is archived; what was archived before stays in Mnesia until it is loaded again (${dumped})`
        : !archiving(facts.mam)
          ? `mod_mam archives nothing (default: never, access_preferences: none); Hearth's purge deletes what was archived before (${dumped})`
          : `mod_mam archives (default: ${JSON.stringify(facts.mam.default ?? 'never')}); ${rule(RETENTION_RULES.messages, facts.rules.messages)}, the days Hearth's purge keeps: ejabberd expires nothing itself (${dumped})`,
    },
    offlineDays: {
      value: windows.offline,
      detail: facts.offline
        ? `mod_offline is loaded; ${rule(RETENTION_RULES.offline, facts.rules.offline)}, the days Hearth's purge keeps: ejabberd keeps them until delivered (${dumped})`
        : `mod_offline is not loaded: messages to accounts that are offline bounce (${dumped})`,
    },
    logIps: {
      value: facts.hideSensitiveLogData !== true,
      detail:
        facts.hideSensitiveLogData === true
          ? `hide_sensitive_log_data: true, client addresses are logged as hidden_by_ejabberd; Hearth's own API calls from loopback are logged with their address (${dumped})`
          : `hide_sensitive_log_data: ${JSON.stringify(facts.hideSensitiveLogData ?? false)}, connections are logged with the client's address and port (${dumped})`,
    },
  };
  const level = facts.logLevel !== undefined && Object.hasOwn(LEVELS, facts.logLevel) ? LEVELS[facts.logLevel] : undefined;
  if (level) {
    readings.logLevel = {
      value: level,
      detail: `ejabberd's logger is at ${facts.logLevel}${['debug', 'info', 'warning', 'error'].includes(facts.logLevel!) ? '' : ` (reported as ${level}, the nearest level that logs as much)`} (get_loglevel of the running node)`,
    };
  }
  return readings;
}

/**
 * Hearth's purge: archived and offline messages older than the windows of the running node, for
 * every account (ejabberd's commands take whole days; 0 deletes everything older than now).
 */
export async function enforceEjabberdRetention(context: InstanceContext, api: EjabberdHttpApi): Promise<void> {
  const facts = await readEjabberdRetention(context, api);
  const windows = ejabberdWindows(facts);
  const run = async (command: string, args: Record<string, unknown>) => {
    try {
      await api.call(command, args);
    } catch (error) {
      throw new DriverError('driver/admin_failed', (error as Error).message);
    }
  };
  if (facts.mam && windows.archive !== null) await run('delete_old_mam_messages', { type: 'all', days: windows.archive });
  // Without mod_offline there is nothing to purge with (delete_old_messages fails), and nothing new is kept.
  if (facts.offline && windows.offline !== null) await run('delete_old_messages', { days: windows.offline });
}

function isMapping(value: YamlData | undefined): value is { [key: string]: YamlData } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
