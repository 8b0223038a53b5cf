import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type CreatePolicyRequest, type InstanceAccepted, type PolicyKnobs, type RetentionPolicy as PolicyView, SERVER_KNOBS, type ServerRetention, type UpdatePolicyRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { PrismaService } from '../database/prisma.service';
import type { Driver, InstanceSettings } from '../drivers/driver';
import { listensForServers, normalisePolicy } from '../drivers/federation-policy';
import { Prisma, type Instance, type RetentionPolicy } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { InstancesService, type Requester } from '../instances/instances.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { PRESETS } from './presets';

type PolicyRow = RetentionPolicy & { instances: { id: string }[] };
const WITH_INSTANCES = { instances: { select: { id: true } } } as const;

export interface ApplyResult {
  readonly instanceId: string;
  readonly jobId?: string;
  readonly error?: string;
}

/**
 * Retention policies: named sets of knobs, each instance under at most one, and one that
 * Hearth's own records follow. Applying a policy to an instance is the instances' reconfigure
 * job: new config, restart, health gate, read-back, and the previous settings back on failure.
 */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly instances: InstancesService,
    private readonly events: InstanceEventsService,
  ) {}

  async list(): Promise<PolicyView[]> {
    return (await this.prisma.retentionPolicy.findMany({ include: WITH_INSTANCES, orderBy: { name: 'asc' } })).map(view);
  }

  async get(id: string): Promise<PolicyView> {
    return view(await this.find(id));
  }

  /** The first policy made also becomes the one Hearth's own records follow. */
  async create(input: z.output<typeof CreatePolicyRequest>): Promise<PolicyView> {
    const base = PRESETS[input.preset ?? 'minimal'];
    const knobs: PolicyKnobs = { ...base.knobs, ...input.knobs };
    try {
      const console = (await this.prisma.retentionPolicy.count({ where: { console: true } })) === 0;
      const row = await this.prisma.retentionPolicy.create({
        data: { name: input.name, description: input.description || (input.preset ? base.explanation : ''), preset: input.preset ?? null, knobs, console },
        include: WITH_INSTANCES,
      });
      return view(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new HearthError('retention_policy/name_taken');
      throw error;
    }
  }

  /** New knobs are applied again to every instance under the policy (one reconfigure job each). */
  async update(id: string, input: z.output<typeof UpdatePolicyRequest>, requester: Requester): Promise<{ policy: PolicyView; applied: ApplyResult[] }> {
    const current = await this.find(id);
    const knobs: PolicyKnobs = { ...(current.knobs as PolicyKnobs), ...input.knobs };
    const row = await this.prisma.$transaction(async (tx) => {
      if (input.console) await tx.retentionPolicy.updateMany({ where: { console: true, id: { not: id } }, data: { console: false } });
      return tx.retentionPolicy.update({
        where: { id },
        data: { name: input.name, description: input.description, knobs, ...(input.console ? { console: true } : {}) },
        include: WITH_INSTANCES,
      });
    }).catch((error: unknown) => {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new HearthError('retention_policy/name_taken');
      throw error;
    });
    const applied: ApplyResult[] = [];
    // Only a real change restarts the servers under the policy (a rename does not).
    if (JSON.stringify(knobs) !== JSON.stringify(current.knobs as PolicyKnobs) && input.knobs) {
      for (const { id: instanceId } of row.instances) {
        applied.push(await this.apply(instanceId, row, requester).then(
          (accepted) => ({ instanceId, jobId: accepted.jobId }),
          (error: Error) => ({ instanceId, error: error.message }),
        ));
      }
    }
    return { policy: view(row), applied };
  }

  async delete(id: string): Promise<PolicyView> {
    const row = await this.find(id);
    if (row.instances.length) throw new HearthError('retention_policy/in_use', `${row.instances.length} instance(s) are under this policy; put them under another one first`);
    if (row.console) throw new HearthError('retention_policy/in_use', "Hearth's own records follow this policy; make another policy the console's first");
    await this.prisma.retentionPolicy.delete({ where: { id } });
    return view(row);
  }

  /** Puts the instance under the policy and applies it. */
  async assign(instanceId: string, policyId: string, requester: Requester): Promise<InstanceAccepted> {
    const policy = await this.find(policyId);
    const accepted = await this.apply(instanceId, policy, requester);
    await this.prisma.instance.update({ where: { id: instanceId }, data: { retentionPolicyId: policyId } });
    await this.events.record(instanceId, 'action', `Retention policy "${policy.name}" applied by ${requester.email}`);
    return accepted;
  }

  private async apply(instanceId: string, policy: RetentionPolicy, requester: Requester): Promise<InstanceAccepted> {
    const instance = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!instance) throw new HearthError('instance/not_found');
    if (instance.runtime === 'external') {
      throw new HearthError('instance/not_managed', `${instance.name} is an adopted server: its retention is set in its own configuration; its privacy report still shows what it does`);
    }
    const driver = this.host.driver(instance.kind);
    const settings = await this.settingsUnder(instance, driver, policy.knobs as PolicyKnobs);
    return this.instances.reconfigure({ instanceId, settings, previous: instance.settings as InstanceSettings }, requester);
  }

  /**
   * The instance's settings under the policy: its server knobs, its log level, and its federation
   * when the server can enforce that mode (otherwise the report shows federation unsupported).
   */
  private async settingsUnder(instance: Instance, driver: Driver, knobs: PolicyKnobs): Promise<InstanceSettings> {
    const current = instance.settings as InstanceSettings;
    const retention = Object.fromEntries(SERVER_KNOBS.map((knob) => [knob, knobs[knob]])) as unknown as ServerRetention;
    const federation = normalisePolicy(knobs.federation);
    const enforceable = driver.capabilities.has('federation.policy') && (driver.federationModes ?? []).includes(federation.mode);
    if (enforceable && listensForServers(federation) && driver.federationPort) await this.instances.claimPort(instance.id, driver.federationPort);
    return { ...current, retention, logLevel: knobs.logLevel, ...(enforceable ? { federation: { mode: federation.mode, domains: [...federation.domains] } } : {}) };
  }

  private async find(id: string): Promise<PolicyRow> {
    const row = await this.prisma.retentionPolicy.findUnique({ where: { id }, include: WITH_INSTANCES });
    if (!row) throw new HearthError('retention_policy/not_found');
    return row;
  }
}

function view(row: PolicyRow): PolicyView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    preset: (row.preset as PolicyView['preset']) ?? null,
    knobs: row.knobs as PolicyKnobs,
    console: row.console,
    instanceIds: row.instances.map((instance) => instance.id),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
