import { isIP } from 'node:net';
import type { Instance, InstanceKind, InstanceStatus } from '@hearth/contracts';
import { iso } from '../common/list';
import type { Driver } from '../drivers/driver';
import type { Instance as InstanceRow } from '../generated/prisma/client';
import type { HealthSummary } from '../monitoring/health-summary.service';

/** Where each port listens, as clients write it: `host:port`, IPv6 in brackets. */
export function endpoints(driver: Driver | undefined, row: Pick<InstanceRow, 'bindAddress' | 'ports'>): Record<string, string> {
  const ports = row.ports as Record<string, number>;
  const found: Record<string, string> = {};
  for (const { name, bind } of driver?.portNames ?? []) {
    if (ports[name] === undefined) continue;
    const host = bind === 'instance' ? row.bindAddress : '127.0.0.1';
    found[name] = isIP(host) === 6 ? `[${host}]:${ports[name]}` : `${host}:${ports[name]}`;
  }
  return found;
}

/** What the instance can do: its driver's capabilities, or, for an adopted server (whose admin API may be partial), what it answered when probed. */
export function capabilitiesOf(row: Pick<InstanceRow, 'runtime' | 'capabilities'>, driver: Driver | undefined): string[] {
  if (row.runtime === 'external') return [...row.capabilities].sort();
  return driver ? [...driver.capabilities].sort() : [];
}

/** The API's view of an instance row. Secrets stay behind: the row's sealed secrets never leave. */
export function toInstance(row: InstanceRow, driver: Driver | undefined, summary: HealthSummary): Instance {
  const found = endpoints(driver, row);
  const managed = row.runtime !== 'external';
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as InstanceKind,
    domain: row.domain,
    runtime: row.runtime,
    managed,
    bindAddress: row.bindAddress,
    baseUrl: row.baseUrl ?? (driver?.httpApiPort && found[driver.httpApiPort] ? `http://${found[driver.httpApiPort]}` : null),
    status: row.status as InstanceStatus,
    statusReason: row.statusReason,
    desiredState: row.desiredState === 'stopped' ? 'stopped' : 'running',
    version: row.version,
    endpoints: found,
    health: summary.health,
    uptime: summary.uptime,
    capabilities: capabilitiesOf(row, driver),
    settings: row.settings as Instance['settings'],
    healthIntervalSec: row.healthIntervalSec,
    startedAt: iso(row.startedAt),
    createdAt: row.createdAt.toISOString(),
  };
}
