import { join } from 'node:path';
import { DriverError, type FederationPolicy, type FederationReadBack, type InstanceContext } from '../driver';
import { luaString, runAdminCommands } from './prosody-admin-socket';
import { PROSODY_PATHS } from './prosody.config';

/**
 * Asks the running Prosody, through its admin shell, what it does: whether mod_s2s is loaded for
 * the host, where the s2s service listens (portmanager), and whether mod_host_guard is loaded
 * with which options (configmanager: the config the server loaded, not the file on disk).
 */
const READ_BACK = (host: string) =>
  `>local host = ${luaString(host)} ` +
  'local mm, pm, cm = require "core.modulemanager", require "core.portmanager", require "core.configmanager" ' +
  'print("s2s " .. tostring((mm.is_loaded(host, "s2s") or mm.is_loaded("*", "s2s")) and true or false)) ' +
  'print("host_guard " .. tostring(mm.is_loaded("*", "host_guard") and true or false)) ' +
  'for interface, ports in pairs(pm.get_active_services().data.s2s or {}) do for port in pairs(ports) do print("listen " .. interface .. " " .. port) end end ' +
  'for _, name in ipairs({ "blockall", "blockall_exceptions", "selective", "blacklist" }) do ' +
  'local value = cm.get("*", "host_guard_" .. name) ' +
  'if type(value) == "table" then for key, item in pairs(value) do print(name .. " " .. tostring(type(key) == "number" and item or key)) end end end';

export async function effectiveProsodyFederation({ spec }: InstanceContext): Promise<FederationReadBack> {
  const [read] = await runAdminCommands(join(spec.dir, PROSODY_PATHS.adminSocket), [READ_BACK(spec.domain)]);
  if (!read.ok) throw new DriverError('driver/admin_failed', `Prosody's admin shell could not read the federation settings: ${read.message}`);
  const facts = { s2s: false, hostGuard: false, listen: [] as string[], lists: new Map<string, string[]>() };
  for (const line of read.output) {
    const [key, ...rest] = line.split(' ');
    if (key === 's2s') facts.s2s = rest[0] === 'true';
    else if (key === 'host_guard') facts.hostGuard = rest[0] === 'true';
    else if (key === 'listen') facts.listen.push(`${rest[0]}:${rest[1]}`);
    else facts.lists.set(key, [...(facts.lists.get(key) ?? []), rest.join(' ')]);
  }
  const list = (name: string) => facts.lists.get(name) ?? [];
  const allowOnly = facts.hostGuard && list('blockall').includes(spec.domain);
  const refuse = facts.hostGuard && list('selective').includes(spec.domain);
  const detail = [
    `mod_s2s ${facts.s2s ? 'loaded' : 'not loaded'}`,
    `s2s listening on ${facts.listen.length > 0 ? facts.listen.sort().join(', ') : 'no port'}`,
    facts.hostGuard ? `mod_host_guard loaded${allowOnly ? `, allowing only ${list('blockall_exceptions').join(', ') || 'nobody'}` : ''}${refuse ? `, refusing ${list('blacklist').join(', ') || 'nobody'}` : ''}` : 'mod_host_guard not loaded',
  ].join('; ');
  const answer = (policy: FederationPolicy | null, why?: string): FederationReadBack => ({ policy, detail: why ? `${why} (${detail})` : detail });

  if (!facts.s2s) return facts.listen.length === 0 ? answer({ mode: 'closed', domains: [] }) : answer(null, 'Something listens for s2s without mod_s2s');
  if (facts.listen.length === 0) return answer(null, 'Outgoing only: mod_s2s is loaded but no port takes remote servers');
  if (allowOnly) {
    // host_guard refuses what is blacklisted even when it is an exception.
    const refused = refuse ? new Set(list('blacklist')) : new Set<string>();
    return answer({ mode: 'allowlist', domains: list('blockall_exceptions').filter((domain) => !refused.has(domain)) });
  }
  if (refuse) return answer({ mode: 'denylist', domains: list('blacklist') });
  return answer({ mode: 'open', domains: [] });
}
