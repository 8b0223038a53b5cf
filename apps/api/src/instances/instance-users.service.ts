import { Injectable } from '@nestjs/common';
import type { CreateInstanceUserRequest, InstanceUser } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { PrismaService } from '../database/prisma.service';
import type { Capability } from '../drivers/driver';
import { capabilitiesOf } from './instance-view';
import { asApiCall } from './driver-errors';
import { HomeserverHost } from './homeserver-host.service';

/**
 * Accounts on a homeserver, through its driver's admin interface: synchronous calls for one
 * request each (a list, one account), with the server's own rules and errors passed on.
 */
@Injectable()
export class InstanceUsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
  ) {}

  async list(instanceId: string): Promise<{ data: InstanceUser[]; total: number }> {
    const { driver, context } = await this.operable(instanceId, 'users.list');
    const names = await asApiCall(() => driver.listUsers(context));
    return { data: names.map((username) => ({ username })), total: names.length };
  }

  async create(instanceId: string, input: CreateInstanceUserRequest): Promise<InstanceUser> {
    const { driver, context } = await this.operable(instanceId, 'users.create');
    await asApiCall(() => driver.createUser(context, input.username, input.password));
    return { username: input.username };
  }

  /** The driver and context of an instance that can do `capability`, or the reason it can't. */
  private async operable(instanceId: string, capability: Capability) {
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!row) throw new HearthError('instance/not_found');
    const driver = this.host.findDriver(row.kind);
    if (!capabilitiesOf(row, driver).includes(capability)) {
      throw new HearthError('capability/unsupported', `${row.name} (${driver?.displayName ?? row.kind}) does not support ${capability}`);
    }
    if (row.status === 'provisioning' || row.status === 'stopped') {
      throw new HearthError('homeserver/unavailable', `${row.name} is ${row.status}: its accounts can be managed once it runs`);
    }
    return this.host.context(row);
  }
}
