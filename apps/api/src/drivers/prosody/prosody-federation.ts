import { join } from 'node:path';
import { DriverError, type FederationPolicy, type FederationReadBack, type InstanceContext } from '../driver';
import { luaString, runAdminCommands } from './prosody-admin-socket';
import { PROSODY_PATHS } from './prosody.config';

/**
 * Asks the running Prosody, through its admin shell: is mod_s2s loaded for the host (without it
 * no stanza leaves for another server: Prosody answers not-allowed), and where does its s2s
 * service listen (portmanager's active services, so a port it failed to bind does not count).
 */
const READ_BACK = (host: string) =>
  `>local host = ${luaString(host)} ` +
  'local mm, pm = require "core.modulemanager", require "core.portmanager" ' +
  'print("s2s " .. tostring((mm.is_loaded(host, "s2s") or mm.is_loaded("*", "s2s")) and true or false)) ' +
  'print("dialback " .. tostring(mm.is_loaded(host, "dialback") and true or false)) ' +
  'for interface, ports in pairs(pm.get_active_services().data.s2s or {}) do for port in pairs(ports) do print("listen " .. interface .. ":" .. port) end end';

export async function effectiveProsodyFederation({ spec }: InstanceContext): Promise<FederationReadBack> {
  const [read] = await runAdminCommands(join(spec.dir, PROSODY_PATHS.adminSocket), [READ_BACK(spec.domain)]);
  if (!read.ok) throw new DriverError('driver/admin_failed', `Prosody's admin shell could not read the federation settings: ${read.message}`);
  let s2s = false;
  let dialback = false;
  const listening: string[] = [];
  for (const line of read.output) {
    const [key, value] = line.split(' ');
    if (key === 's2s') s2s = value === 'true';
    else if (key === 'dialback') dialback = value === 'true';
    else if (key === 'listen') listening.push(value);
  }
  const detail = [
    `mod_s2s ${s2s ? 'loaded' : 'not loaded'}`,
    `mod_dialback ${dialback ? 'loaded' : 'not loaded'}`,
    `s2s listening on ${listening.length > 0 ? listening.sort().join(', ') : 'no port'}`,
  ].join('; ');
  const answer = (policy: FederationPolicy | null, why?: string): FederationReadBack => ({ policy, detail: why ? `${why} (${detail})` : detail });

  if (!s2s) return listening.length === 0 ? answer({ mode: 'closed', domains: [] }) : answer(null, 'Something listens for s2s without mod_s2s');
  if (listening.length === 0) return answer(null, 'Outgoing only: mod_s2s is loaded but no port takes remote servers');
  return answer({ mode: 'open', domains: [] });
}
