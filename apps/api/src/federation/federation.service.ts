import { Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import type { InstanceAccepted, InstanceFederation, SetFederationRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { PrismaService } from '../database/prisma.service';
import { type Driver, DriverError, type FederationPolicy, type InstanceSettings } from '../drivers/driver';
import { FEDERATION_CLOSED, describePolicy, listensForServers, normalisePolicy, samePolicy } from '../drivers/federation-policy';
import type { Instance as InstanceRow } from '../generated/prisma/client';
import { asApiCall } from '../instances/driver-errors';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { capabilitiesOf } from '../instances/instance-view';
import { InstancesService, type Requester } from '../instances/instances.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';

const NOT_RUNNING = new Set(['provisioning', 'stopped', 'failed']);

/** Which remote servers an instance talks to: the policy Hearth applies, and what the server reads back. */
@Injectable()
export class FederationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly instances: InstancesService,
    private readonly events: InstanceEventsService,
  ) {}

  async get(id: string): Promise<InstanceFederation> {
    const row = await this.find(id);
    const driver = this.host.findDriver(row.kind);
    const wanted = normalisePolicy(wantedPolicy(row));
    const base = { wanted: plain(wanted), modes: [...(driver?.federationModes ?? [])], listener: listener(row, driver, wanted) };
    if (!driver?.effectiveFederation || !capabilitiesOf(row, driver).includes('federation.policy')) {
      return { ...base, effective: null, status: 'unsupported', detail: `Hearth does not apply federation policies to ${driver?.displayName ?? row.kind} servers` };
    }
    if (row.runtime === 'external') {
      return { ...base, modes: [], effective: null, status: 'unsupported', detail: `${row.name} is an adopted server: its configuration is its operator's, and Hearth can't read its federation back` };
    }
    this.assertRunning(row);
    const { context } = this.host.context(row);
    const read = await asApiCall(() => driver.effectiveFederation!(context));
    const status = read.policy && samePolicy(read.policy, wanted) ? 'ok' : 'drift';
    return { ...base, effective: read.policy ? plain(normalisePolicy(read.policy)) : null, status, detail: read.detail };
  }

  /**
   * Checks the policy against what the server can enforce and renders it, then hands it to the
   * reconfigure job, which applies, verifies, and undoes it on failure.
   */
  async set(id: string, request: SetFederationRequest, requester: Requester): Promise<InstanceAccepted> {
    let row = await this.find(id);
    if (row.runtime === 'external') {
      throw new HearthError('instance/not_managed', `${row.name} is an adopted server: its federation is set in its own configuration, not by Hearth`);
    }
    const driver = this.host.driver(row.kind);
    const modes = driver.federationModes ?? [];
    if (!driver.capabilities.has('federation.policy') || !modes.includes(request.mode)) {
      const can = modes.length > 0 ? `; it can enforce: ${modes.join(', ')}` : '';
      throw new HearthError('capability/unsupported', `${driver.displayName} can't enforce a ${request.mode} federation policy${can}`);
    }
    this.assertRunning(row);
    const policy = normalisePolicy({ mode: request.mode, domains: request.domains });
    if (listensForServers(policy) && driver.federationPort) {
      await this.instances.claimPort(id, driver.federationPort);
      row = await this.find(id);
    }
    const previous = row.settings as InstanceSettings;
    const settings: InstanceSettings = { ...previous, federation: plain(policy) };
    await this.checkRenders(row, driver, settings);
    const accepted = await this.instances.reconfigure({ instanceId: id, settings, previous }, requester);
    await this.events.record(id, 'action', `Federation ${describePolicy(policy)} requested by ${requester.email}`);
    return accepted;
  }

  private assertRunning(row: InstanceRow): void {
    if (NOT_RUNNING.has(row.status) || row.desiredState === 'stopped') {
      throw new HearthError('homeserver/unavailable', `${row.name} is ${row.desiredState === 'stopped' ? 'stopped' : row.status}: its federation is read and changed while it runs`);
    }
  }

  /** The render the job will do, done now: a policy the server can't take is refused before any job. */
  private async checkRenders(row: InstanceRow, driver: Driver, settings: InstanceSettings): Promise<void> {
    const spec = { ...this.host.spec(row), settings };
    const { context } = this.host.context(row);
    try {
      await driver.render(spec, context.secrets);
    } catch (error) {
      if (error instanceof DriverError && error.code === 'spec/invalid') throw new HearthError('instance/settings_invalid', error.message);
      throw error;
    }
  }

  private async find(id: string): Promise<InstanceRow> {
    const row = await this.prisma.instance.findUnique({ where: { id } });
    if (!row) throw new HearthError('instance/not_found');
    return row;
  }
}

function wantedPolicy(row: InstanceRow): FederationPolicy {
  return (row.settings as InstanceSettings).federation ?? FEDERATION_CLOSED;
}

function plain(policy: FederationPolicy): { mode: FederationPolicy['mode']; domains: string[] } {
  return { mode: policy.mode, domains: [...policy.domains] };
}

/** host:port of the federation port while the wanted policy listens; Synapse's is its client port. */
function listener(row: InstanceRow, driver: Driver | undefined, wanted: FederationPolicy): string | null {
  const name = driver?.federationPort ?? driver?.httpApiPort;
  const port = name ? (row.ports as Record<string, number>)[name] : undefined;
  if (!listensForServers(wanted) || port === undefined || row.runtime === 'external') return null;
  return isIP(row.bindAddress) === 6 ? `[${row.bindAddress}]:${port}` : `${row.bindAddress}:${port}`;
}
