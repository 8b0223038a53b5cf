import { Injectable } from '@nestjs/common';
import { HearthError } from '../common/hearth-error';
import { PrismaService } from '../database/prisma.service';
import type { Capability, Driver, InstanceContext } from '../drivers/driver';
import type { Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { capabilitiesOf } from '../instances/instance-view';

export interface Operable {
  readonly row: Instance;
  readonly driver: Driver;
  readonly context: InstanceContext;
}

/** An instance whose accounts can be acted on now: it exists, its server runs, and it can do what is asked. */
@Injectable()
export class OperableInstances {
  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
  ) {}

  async get(instanceId: string, capability: Capability): Promise<Operable> {
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!row) throw new HearthError('instance/not_found');
    const driver = this.host.findDriver(row.kind);
    // An adopted server's capabilities are what it answered when probed.
    if (!driver || !capabilitiesOf(row, driver).includes(capability)) {
      throw new HearthError('capability/unsupported', `${row.name} (${driver?.displayName ?? row.kind}) does not support ${capability}`);
    }
    if (row.status === 'provisioning' || row.status === 'stopped' || row.status === 'failed') {
      throw new HearthError('homeserver/unavailable', `${row.name} is ${row.status}: Hearth can act on it once it runs`);
    }
    return { row, ...this.host.context(row) };
  }
}
