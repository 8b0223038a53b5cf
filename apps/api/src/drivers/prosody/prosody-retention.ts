import { join } from 'node:path';
import { DriverError, type InstanceContext, type KnobReading, type ServerKnob } from '../driver';
import { luaString, runAdminCommands } from './prosody-admin-socket';
import { OFFLINE_EXPIRY_OPTION, PROSODY_PATHS } from './prosody.config';

/** The knobs Prosody 0.12 can't honour, with the reason the operator reads. */
export const PROSODY_UNSUPPORTED_KNOBS: Readonly<Partial<Record<ServerKnob, string>>> = {
  remoteMediaDays: "XMPP servers don't copy other servers' files: uploads stay on the server they were sent to, so there is nothing to keep",
  ipDays:
    'Prosody stores no client IP addresses: a connected session holds its address in memory until it ends (what its logs may hold is the log level, see IP addresses in logs)',
  redactedDays:
    'XMPP servers keep no redacted content apart: a retracted message stays in the archive like any other, for as long as messages are kept',
  pushContent: "Hearth sets up no push notifications (XEP-0357) on Prosody: nothing is sent to a push service",
  presence: 'Prosody 0.12 has no switch for presence: it is part of XMPP, and each person chooses the contacts who see it',
  urlPreviews: "XMPP servers don't fetch links people post: previews, if any, are made by the clients",
  trustedKeyServers: "XMPP servers don't ask third parties to vouch for other servers' keys: certificates and dialback do that",
  logIps:
    'Prosody 0.12 has no option for it: client addresses appear in its debug lines only (new connections), so the logs hold them exactly when the log level is debug',
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];
const DAY_SECONDS = 86_400;
/** archive_expires_after's default in mod_mam 0.12. */
const ARCHIVE_DEFAULT = '1w';
/** http_file_share_expires_after's default in mod_http_file_share 0.12 (seconds). */
const FILE_SHARE_DEFAULT = 7 * DAY_SECONDS;

/** A config option as the running server has it: its Lua type and its value as text. */
interface LoadedOption {
  readonly type: string;
  readonly text: string;
}

/** What the running Prosody does about retention, as read through its admin shell. */
export interface ProsodyRetentionFacts {
  readonly mam: boolean;
  readonly archiveStore: string;
  readonly archiveExpiresAfter: LoadedOption;
  readonly offline: boolean;
  readonly offlineExpiresAfter: LoadedOption;
  /** Each host with mod_http_file_share loaded, with its http_file_share_expires_after. */
  readonly fileShares: ReadonlyArray<{ readonly host: string; readonly expiresAfter: LoadedOption }>;
  /** How many sinks each level has in util.logger (what is really logged); undefined when unreadable. */
  readonly sinks?: Readonly<Record<Level, number>>;
}

/**
 * One admin shell line, in Lua's global environment: which modules are loaded for the host, the
 * options of the config the server loaded (configmanager: the file as read at the last start or
 * reload, not as it is on disk now), and the sinks util.logger actually writes each level to.
 */
const READ_BACK = (host: string) =>
  `>local host = ${luaString(host)} ` +
  'local cm, mm = require "core.configmanager", require "core.modulemanager" ' +
  'local function show(value) return type(value) .. " " .. (tostring(value):gsub("%c", " ")) end ' +
  'print("mam " .. tostring(mm.is_loaded(host, "mam") and true or false)) ' +
  'print("archive_store " .. show(cm.get(host, "archive_store"))) ' +
  'print("archive_expires_after " .. show(cm.get(host, "archive_expires_after"))) ' +
  'print("offline " .. tostring(mm.is_loaded(host, "offline") and true or false)) ' +
  `print("offline_expires_after " .. show(cm.get(host, ${luaString(OFFLINE_EXPIRY_OPTION)}))) ` +
  'for name in pairs(prosody.hosts) do if mm.is_loaded(name, "http_file_share") then print("file_share " .. name .. " " .. show(cm.get(name, "http_file_share_expires_after"))) end end ' +
  'local add, sinks = require "util.logger".add_level_sink ' +
  'for i = 1, 20 do local name, value = debug.getupvalue(add, i) if name == nil then break end if name == "level_sinks" then sinks = value end end ' +
  'if sinks then for _, level in ipairs({ "debug", "info", "warn", "error" }) do print("log " .. level .. " " .. #(sinks[level] or {})) end end';

export async function readProsodyRetention({ spec }: InstanceContext): Promise<ProsodyRetentionFacts> {
  const [read] = await runAdminCommands(join(spec.dir, PROSODY_PATHS.adminSocket), [READ_BACK(spec.domain)]);
  if (!read.ok) throw new DriverError('driver/admin_failed', `Prosody's admin shell could not read the retention settings: ${read.message}`);
  const option = (line: string): LoadedOption => {
    const space = line.indexOf(' ');
    return space < 0 ? { type: line, text: '' } : { type: line.slice(0, space), text: line.slice(space + 1) };
  };
  let mam = false;
  let offline = false;
  let archiveStore: LoadedOption = { type: 'nil', text: 'nil' };
  let archiveExpiresAfter: LoadedOption = { type: 'nil', text: 'nil' };
  let offlineExpiresAfter: LoadedOption = { type: 'nil', text: 'nil' };
  const fileShares: Array<{ host: string; expiresAfter: LoadedOption }> = [];
  const sinks: Partial<Record<Level, number>> = {};
  for (const line of read.output) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const rest = line.slice(space + 1);
    if (key === 'mam') mam = rest === 'true';
    else if (key === 'offline') offline = rest === 'true';
    else if (key === 'archive_store') archiveStore = option(rest);
    else if (key === 'archive_expires_after') archiveExpiresAfter = option(rest);
    else if (key === 'offline_expires_after') offlineExpiresAfter = option(rest);
    else if (key === 'file_share') {
      const hostEnd = rest.indexOf(' ');
      fileShares.push({ host: rest.slice(0, hostEnd), expiresAfter: option(rest.slice(hostEnd + 1)) });
    } else if (key === 'log') {
      const [level, count] = rest.split(' ');
      if ((LEVELS as readonly string[]).includes(level)) sinks[level as Level] = Number(count);
    }
  }
  return {
    mam,
    archiveStore: archiveStore.type === 'string' ? archiveStore.text : 'archive',
    archiveExpiresAfter,
    offline,
    offlineExpiresAfter,
    fileShares: fileShares.sort((a, b) => a.host.localeCompare(b.host)),
    sinks: LEVELS.every((level) => sinks[level] !== undefined) ? (sinks as Record<Level, number>) : undefined,
  };
}

/**
 * An expiry as mod_mam 0.12 reads archive_expires_after (Hearth's offline option uses the same
 * form): "never", or a number and an optional unit d, w, m (31 days) or y; a bare number is
 * seconds. Seconds, or null for never and for what mod_mam can't parse (it then expires nothing).
 */
export function expirySeconds(option: LoadedOption, fallback: string): { seconds: number | null; text: string } {
  if (option.type === 'nil') return { ...expirySeconds({ type: 'string', text: fallback }, fallback), text: `unset (default ${JSON.stringify(fallback)})` };
  const text = option.type === 'string' ? JSON.stringify(option.text) : option.text;
  if (option.type !== 'string' && option.type !== 'number') return { seconds: null, text: `${text} (a ${option.type}: nothing expires)` };
  if (option.text === 'never') return { seconds: null, text };
  const match = /(\d+)\s*([dwmy]?)/.exec(option.text.toLowerCase());
  if (!match) return { seconds: null, text: `${text} (unreadable: nothing expires)` };
  const unit = { d: DAY_SECONDS, w: 7 * DAY_SECONDS, m: 31 * DAY_SECONDS, y: 365.2425 * DAY_SECONDS }[match[2]] ?? 1;
  return { seconds: Number(match[1]) * unit, text };
}

/** http_file_share_expires_after: a number of seconds (negative: never), as mod_http_file_share 0.12 reads it. */
function fileShareSeconds(option: LoadedOption): number | null {
  const seconds = option.type === 'nil' ? FILE_SHARE_DEFAULT : Number(option.text);
  if (!Number.isFinite(seconds)) return FILE_SHARE_DEFAULT;
  return seconds < 0 ? null : seconds;
}

const days = (seconds: number | null) => (seconds === null ? null : seconds / DAY_SECONDS);

/** How long the archive and offline storage keep messages in the running server: seconds, null for good. */
export function prosodyWindows(facts: ProsodyRetentionFacts): { archive: number | null; offline: number | null } {
  return {
    archive: facts.mam ? expirySeconds(facts.archiveExpiresAfter, ARCHIVE_DEFAULT).seconds : 0,
    offline: facts.offline ? expirySeconds(facts.offlineExpiresAfter, 'never').seconds : 0,
  };
}

/** What the running Prosody does for each knob it supports, from its admin shell. */
export async function effectiveProsodyRetention(context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>>> {
  const facts = await readProsodyRetention(context);
  const windows = prosodyWindows(facts);
  const where = "the running server's loaded config, through its admin shell";
  const readings: Partial<Record<ServerKnob, KnobReading>> = {
    messageDays: {
      value: days(windows.archive),
      detail: facts.mam
        ? `mod_mam is loaded; archive_expires_after = ${expirySeconds(facts.archiveExpiresAfter, ARCHIVE_DEFAULT).text} (${where}). Prosody expires the archive once a day, Hearth's purge on its own schedule`
        : `mod_mam is not loaded: nothing is archived, and Hearth's purge deletes what was archived before (${where})`,
    },
    offlineDays: {
      value: days(windows.offline),
      detail: facts.offline
        ? `mod_offline is loaded; ${OFFLINE_EXPIRY_OPTION} = ${expirySeconds(facts.offlineExpiresAfter, 'never').text}, which Hearth's purge applies: Prosody itself keeps them until delivered (${where})`
        : `mod_offline is not loaded: messages to accounts that are offline bounce, and Hearth's purge deletes any kept from before (${where})`,
    },
  };
  // Without an upload service nothing is uploaded: there is no expiry to read (0 would be true, but
  // is not what a policy with file sharing in mind asked for).
  if (facts.fileShares.length > 0) {
    const kept = facts.fileShares.map(({ host, expiresAfter }) => ({ host, seconds: fileShareSeconds(expiresAfter), text: expiresAfter.type === 'nil' ? 'unset (default 604800)' : expiresAfter.text }));
    const longest = kept.some((share) => share.seconds === null) ? null : Math.max(...kept.map((share) => share.seconds!));
    readings.mediaDays = {
      value: days(longest),
      detail: `mod_http_file_share on ${kept.map((share) => `${share.host} (http_file_share_expires_after = ${share.text})`).join(', ')}; Prosody removes expired uploads once a day (${where})`,
    };
  }
  if (facts.sinks) {
    const lowest = LEVELS.find((level) => facts.sinks![level] > 0);
    readings.logLevel = {
      value: lowest ?? 'error',
      detail: lowest
        ? `util.logger writes ${lowest} and above (sinks per level: ${LEVELS.map((level) => `${level} ${facts.sinks![level]}`).join(', ')}), read from the running server`
        : 'util.logger has no sink at all: nothing is logged',
    };
  }
  return readings;
}

/**
 * Hearth's purge: deletes archived messages and offline messages older than the running server's
 * own windows (what effectiveProsodyRetention reports), for every account of the host at once.
 * Prosody expires the archive itself only once a day and offline messages never; a window of 0
 * (module not loaded) deletes what was kept from before.
 */
export async function enforceProsodyRetention(context: InstanceContext): Promise<{ archive: number | null; offline: number | null }> {
  const facts = await readProsodyRetention(context);
  const windows = prosodyWindows(facts);
  const deleted = { archive: null as number | null, offline: null as number | null };
  const stores = [
    ['archive', facts.archiveStore, windows.archive],
    ['offline', 'offline', windows.offline],
  ] as const;
  for (const [what, store, seconds] of stores) {
    if (seconds === null) continue;
    deleted[what] = await deleteOlder(context, store, seconds);
  }
  return deleted;
}

/** Deletes the store's items older than `seconds`, by the server's clock; answers how many. */
async function deleteOlder({ spec }: InstanceContext, store: string, seconds: number): Promise<number> {
  const age = Math.floor(seconds);
  if (!Number.isSafeInteger(age) || age < 0) throw new DriverError('driver/admin_failed', `Not a window Hearth can apply: ${seconds} seconds`);
  const [result] = await runAdminCommands(join(spec.dir, PROSODY_PATHS.adminSocket), [
    `>local host, name = ${luaString(spec.domain)}, ${luaString(store)} ` +
      'local store, err = require "core.storagemanager".open(host, name, "archive") ' +
      'if not store then return nil, "cannot open the store: " .. tostring(err) end ' +
      'if not (store.caps and store.caps.wildcard_delete) then return nil, "the store cannot delete for every account at once" end ' +
      `local deleted, failure = store:delete(true, { ["end"] = os.time() - ${age} }) ` +
      'if not deleted then return nil, tostring(failure) end ' +
      'print("deleted " .. tostring(deleted))',
  ]);
  if (!result.ok) throw new DriverError('driver/admin_failed', `Prosody could not delete old items from its ${store} store: ${result.message}`);
  const count = result.output.map((line) => /^deleted (\d+)$/.exec(line)?.[1]).find(Boolean);
  return count === undefined ? 0 : Number(count);
}
