import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { z } from 'zod';
import type { AdoptInstanceRequest, CreateInstanceRequest, Instance, InstanceAccepted, InstanceListQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { pageArgs } from '../common/list';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { type Driver, DriverError, type InstanceSecrets, type InstanceSpec } from '../drivers/driver';
import { generateSecrets } from '../drivers/secrets';
import { Prisma, type Instance as InstanceRow } from '../generated/prisma/client';
import { JobQueue } from '../jobs/job-queue';
import { JobRecords } from '../jobs/job-records';
import { JobsService } from '../jobs/jobs.service';
import { type JobPayloads, LIFECYCLE_JOBS } from '../jobs/job-types';
import { HealthScheduleService } from '../monitoring/health-schedule.service';
import { HealthSummaryService } from '../monitoring/health-summary.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { type PortRequest, allocatePorts, canBind } from '../runtimes/ports';
import { MAX_INSTANCE_UID } from '../runtimes/process/run-as';
import { RuntimeError } from '../runtimes/runtime';
import { enginePing } from '../runtimes/container/engine';
import { repositoryTag } from '../runtimes/container/server-images';
import type { ImageRelease } from '../runtimes/packages/server-versions';
import { asApiCall } from './driver-errors';
import { HomeserverHost } from './homeserver-host.service';
import { toInstance } from './instance-view';

type LifecycleJob = (typeof LIFECYCLE_JOBS)[number];
const ACTION_NAMES = { 'instance.start': 'Start', 'instance.stop': 'Stop', 'instance.restart': 'Restart' } as const;

export interface Requester {
  operatorId: string;
  email: string;
}

// Concurrent creates may pick the same free ports; InstancePort's key lets one win and the other retry.
const PORT_ATTEMPTS = 5;

/** The API side of instances: validate, write the intent, enqueue the job that does the work. */
@Injectable()
export class InstancesService {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly jobs: JobsService,
    private readonly jobQueue: JobQueue,
    private readonly jobRecords: JobRecords,
    private readonly events: InstanceEventsService,
    private readonly healthSchedule: HealthScheduleService,
    private readonly healthSummary: HealthSummaryService,
  ) {}

  kinds() {
    return this.host.availability();
  }

  async list(query: z.output<typeof InstanceListQuery>): Promise<{ data: Instance[]; total: number }> {
    const where: Prisma.InstanceWhereInput = {
      kind: query.kind,
      status: query.status,
      OR: query.q ? [{ name: { contains: query.q, mode: 'insensitive' } }, { domain: { contains: query.q, mode: 'insensitive' } }] : undefined,
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.instance.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.instance.count({ where }),
    ]);
    return { data: await this.view(rows), total };
  }

  async get(id: string): Promise<Instance> {
    const [instance] = await this.view([await this.find(id)]);
    return instance!;
  }

  async create(input: CreateInstanceRequest, createdById: string): Promise<InstanceAccepted> {
    const { driver, version, release } = await this.usableDriver(input.kind, input.runtime);
    await this.assertUnique(input.name, input.domain);
    if (!(await canBind(input.bindAddress, 0))) {
      throw new HearthError('instance/bind_address_unavailable', `Hearth cannot listen on ${input.bindAddress}; use 127.0.0.1 or an address of this host`);
    }
    const id = randomUUID();
    const spec: Omit<InstanceSpec, 'ports'> = {
      id,
      kind: driver.kind,
      domain: input.domain,
      bindAddress: input.bindAddress,
      dir: join(this.config.instancesDir, id),
      settings: input.settings,
      ...(release ? { release } : {}),
    };
    const secrets = { ...generateSecrets(driver), ...(input.databaseAdminPassword ? { database_admin_password: input.databaseAdminPassword } : {}) };
    if (input.databaseAdminPassword && !input.settings.database) throw new HearthError('instance/settings_invalid', 'databaseAdminPassword needs settings.database');
    for (let attempt = 1; ; attempt++) {
      const ports = await this.allocatePorts(driver, input.bindAddress);
      const runAsId = await this.allocateRunAsId();
      await this.checkRenders(driver, { ...spec, ports }, secrets);
      try {
        await this.prisma.instance.create({
          data: {
            id,
            name: input.name,
            kind: driver.kind,
            domain: input.domain,
            runtime: input.runtime,
            bindAddress: input.bindAddress,
            version,
            ...(release ? { release: release as unknown as Prisma.InputJsonObject } : {}),
            status: 'provisioning',
            statusReason: 'Waiting for the provisioning job',
            settings: input.settings,
            ports,
            secretsEnc: this.host.sealSecrets(secrets),
            dir: spec.dir,
            runAsId,
            healthIntervalSec: input.healthIntervalSec,
            createdById,
            portsAllocated: { create: Object.entries(ports).map(([name, port]) => ({ name, port })) },
          },
        });
        break;
      } catch (error) {
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
        // A concurrent create took the name or domain (say which), or one of these ports or the uid (try again).
        await this.assertUnique(input.name, input.domain);
        if (attempt === PORT_ATTEMPTS) throw error;
      }
    }
    try {
      return { id, jobId: await this.jobs.enqueue('instance.provision', { instanceId: id }, { createdById, targetType: 'instance', targetId: id }) };
    } catch (error) {
      // Without its job the row would stay "provisioning" forever; the operator can simply try again.
      await this.prisma.instance.delete({ where: { id } });
      throw error;
    }
  }

  /**
   * Adopts a server that runs elsewhere: its URL and credentials are checked now, so the operator
   * hears at once what is wrong; then Hearth only watches and administers it.
   */
  async adopt(input: AdoptInstanceRequest, requester: Requester): Promise<Instance> {
    const driver = this.host.driver(input.kind);
    if (!driver.adopt) throw new HearthError('instance/not_adoptable', `Hearth cannot adopt ${driver.displayName} servers`);
    await this.assertUnique(input.name, '');
    const adoption = await asApiCall(() => driver.adopt!(input.baseUrl, { accessToken: input.accessToken, sharedSecret: input.sharedSecret }));
    await this.assertUnique(input.name, adoption.domain);
    const id = randomUUID();
    try {
      await this.prisma.instance.create({
        data: {
          id,
          name: input.name,
          kind: driver.kind,
          domain: adoption.domain,
          runtime: 'external',
          bindAddress: new URL(input.baseUrl).hostname.replace(/^\[|\]$/g, ''),
          baseUrl: input.baseUrl,
          version: adoption.version ?? null,
          status: 'running',
          statusReason: `Adopted by ${requester.email}`,
          secretsEnc: this.host.sealSecrets(adoption.secrets),
          capabilities: [...adoption.capabilities],
          // Not Hearth's to manage, but a stable path keeps every instance's spec alike; nothing is written there.
          dir: join(this.config.instancesDir, id),
          healthIntervalSec: input.healthIntervalSec,
          createdById: requester.operatorId,
        },
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') await this.assertUnique(input.name, adoption.domain);
      throw error;
    }
    await this.events.record(id, 'action', `Adopted by ${requester.email} from ${input.baseUrl}`);
    await this.healthSchedule.schedule(id, input.healthIntervalSec);
    await this.healthSchedule.checkNow(id);
    return this.get(id);
  }

  /**
   * An adopted server's new admin token, checked like at adoption: it must be an admin's of the
   * same server. What the server answers is probed again, so capabilities follow its upgrades.
   */
  async replaceAdminToken(id: string, accessToken: string): Promise<Instance> {
    const row = await this.find(id);
    const driver = this.host.driver(row.kind);
    if (row.runtime !== 'external' || !row.baseUrl || !driver.adopt) {
      throw new HearthError('capability/unsupported', 'Only an adopted server gets its admin token from the operator; Hearth rotates its own (rotate-admin-token)');
    }
    const adoption = await asApiCall(() => driver.adopt!(row.baseUrl!, { accessToken }));
    if (adoption.domain !== row.domain) {
      throw new HearthError('instance/adopt_credentials_rejected', `This token belongs to ${adoption.domain}, not to ${row.domain}`);
    }
    await this.prisma.instance.update({
      where: { id },
      data: { secretsEnc: this.host.mergeSecrets(row, adoption.secrets), capabilities: [...adoption.capabilities], version: adoption.version ?? row.version },
    });
    await this.healthSchedule.checkNow(id);
    return this.get(id);
  }

  /** A job logs Hearth's admin account in again and logs the old token out. */
  async rotateAdminToken(id: string, requester: Requester): Promise<InstanceAccepted> {
    const row = await this.find(id);
    this.assertManaged(row);
    if (!this.host.driver(row.kind).rotateAdminCredentials) throw new HearthError('capability/unsupported', `${row.kind} instances have no admin token to rotate`);
    const jobId = await this.jobs.enqueue('instance.rotate-admin-token', { instanceId: id }, { createdById: requester.operatorId, targetType: 'instance', targetId: id });
    return { id, jobId };
  }

  start(id: string, requester: Requester): Promise<InstanceAccepted> {
    return this.operate(id, 'instance.start', requester);
  }

  stop(id: string, requester: Requester): Promise<InstanceAccepted> {
    return this.operate(id, 'instance.stop', requester);
  }

  restart(id: string, requester: Requester): Promise<InstanceAccepted> {
    return this.operate(id, 'instance.restart', requester);
  }

  /** A settings change (the job checks and, on failure, undoes it), exclusive with the other lifecycle jobs. */
  async reconfigure(payload: JobPayloads['instance.reconfigure'], requester: Requester): Promise<InstanceAccepted> {
    return { id: payload.instanceId, jobId: await this.enqueueLifecycle(payload.instanceId, 'instance.reconfigure', requester.operatorId, 'running', payload) };
  }

  async destroy(id: string, confirm: string, requester: Requester): Promise<InstanceAccepted & { name: string }> {
    const row = await this.find(id);
    if (confirm.trim() !== row.name) {
      throw new HearthError('instance/confirmation_mismatch', 'Type the instance name exactly to confirm its destruction');
    }
    // No event: the instance's events go with it.
    return { id, jobId: await this.enqueueLifecycle(id, 'instance.destroy', requester.operatorId, 'stopped', { instanceId: id }), name: row.name };
  }

  async update(id: string, input: { healthIntervalSec: number }): Promise<Instance> {
    await this.find(id);
    const row = await this.prisma.instance.update({ where: { id }, data: { healthIntervalSec: input.healthIntervalSec } });
    // A provisioning instance gets its schedule, with the new interval, when it is ready.
    if (row.status !== 'provisioning') await this.healthSchedule.schedule(id, input.healthIntervalSec);
    return this.get(id);
  }

  /**
   * The last lines of the server's console output, then of each log file the driver's server
   * writes itself. Those files are read as the instance's user, which owns their directory.
   */
  async logs(id: string, tail: number): Promise<{ lines: string[] }> {
    const row = await this.find(id);
    this.assertManaged(row);
    const spec = this.host.spec(row);
    const runtime = this.host.runtime(row.runtime);
    const lines = await runtime.readLogTail(spec, tail);
    const files = this.host.driver(row.kind).logFiles;
    // A server that never ran has written no files either.
    if (lines.length === 0 || files.length === 0) return { lines };
    const result = await runtime.exec(spec, 'tail', ['-v', '-n', String(tail), '--', ...files], { timeoutMs: 10_000 });
    const own = result.stdout.split('\n');
    if (own.at(-1) === '') own.pop();
    return { lines: [...lines, ...own] };
  }

  /** A restore replaces the server's data: a lifecycle job like the others, one at a time per instance. */
  async enqueueRestore(payload: JobPayloads['backup.restore'], createdById: string): Promise<string> {
    return this.enqueueLifecycle(payload.instanceId, 'backup.restore', createdById, 'running', payload);
  }

  /** An upgrade stops and restarts the server on another version: a lifecycle job, one at a time. */
  async enqueueUpgrade(payload: JobPayloads['instance.upgrade'], createdById: string): Promise<string> {
    return this.enqueueLifecycle(payload.instanceId, 'instance.upgrade', createdById, 'running', payload);
  }

  /** Start, stop or restart: what the operator wants is recorded at once, for supervision to follow. */
  private async operate(id: string, job: 'instance.start' | 'instance.stop' | 'instance.restart', requester: Requester): Promise<InstanceAccepted> {
    const jobId = await this.enqueueLifecycle(id, job, requester.operatorId, job === 'instance.stop' ? 'stopped' : 'running', { instanceId: id });
    await this.events.record(id, 'action', `${ACTION_NAMES[job]} requested by ${requester.email}`);
    return { id, jobId };
  }

  private async enqueueLifecycle<N extends LifecycleJob>(id: string, job: N, createdById: string, desiredState: 'running' | 'stopped', payload: JobPayloads[N]): Promise<string> {
    // Removing an adopted server from Hearth (destroy) only forgets it; every other lifecycle action is not Hearth's to take.
    if (job !== 'instance.destroy') this.assertManaged(await this.find(id));
    return this.prisma.$transaction(
      async (tx) => {
        // Locking the row makes "is a lifecycle job pending?" and enqueueing one atomic: a double click makes one job.
        const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Instance" WHERE id = ${id}::uuid FOR UPDATE`;
        if (!locked) throw new HearthError('instance/not_found');
        const pending = await tx.jobRun.findFirst({
          where: { targetType: 'instance', targetId: id, type: { in: [...LIFECYCLE_JOBS] }, status: { in: ['queued', 'running'] } },
        });
        // A restart that supervision scheduled after a crash (no creator, waiting out its backoff) gives way to the operator.
        const superseded = pending?.status === 'queued' && pending.createdById === null && (await this.jobQueue.remove(pending.id));
        if (superseded) await this.jobRecords.cancel(pending.id);
        else if (pending) throw new HearthError('instance/busy', `Its ${pending.type} job ${pending.id} is ${pending.status}: wait for it to finish, or cancel it`);
        // An operator's start is a fresh beginning: earlier crashes no longer count towards the crash-loop limit.
        await tx.instance.update({ where: { id }, data: { desiredState, ...(desiredState === 'running' ? { recentCrashes: [] } : {}) } });
        return this.jobs.enqueue(job, payload, { createdById, targetType: 'instance', targetId: id });
      },
      { timeout: 15_000 },
    );
  }

  private async usableDriver(kind: string, runtime: string): Promise<{ driver: Driver; version: string | null; release?: ImageRelease }> {
    const driver = this.host.driver(kind);
    if (runtime === 'container') return this.containerDriver(driver);
    const detection = await driver.detect();
    if (!detection.available) {
      const problems = detection.problems?.length ? ` (${detection.problems.join('; ')})` : '';
      throw new HearthError('instance/kind_unavailable', `${driver.displayName} is not installed on this host${problems}. Install it with: ${detection.installHint}`);
    }
    return { driver, version: detection.version ?? null };
  }

  /**
   * A driver with images Hearth can build, and an engine that answers. A new instance runs the
   * driver's first image: found now if the engine has it, else built by the provisioning job's
   * install step.
   */
  private async containerDriver(driver: Driver): Promise<{ driver: Driver; version: string | null; release: ImageRelease }> {
    const image = driver.images?.[0];
    if (!image) throw new HearthError('instance/runtime_unsupported', `Hearth has no container image of ${driver.displayName} yet; use the process runtime`);
    const engine = await enginePing(this.host.engine());
    if (!engine.ok) throw new HearthError('instance/runtime_unsupported', `The container engine at ${this.config.containerSocket} does not answer: ${engine.reason}`);
    const found = await this.host.images().find(image);
    // Not built yet: the version is unknown until the install step has built it.
    return { driver, version: found?.version ?? null, release: found ? { image: found.reference, version: found.version } : { image: repositoryTag(image), version: '' } };
  }

  private async assertUnique(name: string, domain: string): Promise<void> {
    const clash = await this.prisma.instance.findFirst({ where: { OR: [{ name }, { domain }] }, select: { name: true, domain: true } });
    if (clash?.name === name) throw new HearthError('instance/name_taken', `An instance named ${name} exists`);
    if (clash) throw new HearthError('instance/domain_taken', `Another instance serves ${domain}`);
  }

  /**
   * A port for an instance that lacks it (the port remote servers use, the first time a federation
   * policy needs one), bound where the instance binds. InstancePort's key settles a race with
   * another instance (try again) or with another request for this one (its port is taken as ours).
   */
  async claimPort(id: string, name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.find(id);
      if ((row.ports as Record<string, number>)[name] !== undefined) return;
      const { [name]: port } = await this.freePorts([{ name, host: row.bindAddress }]);
      try {
        await this.prisma.$transaction([
          this.prisma.instancePort.create({ data: { port, instanceId: id, name } }),
          // Merged in place: the row's other ports are never rewritten from a stale copy.
          this.prisma.$executeRaw`UPDATE "Instance" SET ports = ports || jsonb_build_object(${name}::text, ${port}::int) WHERE id = ${id}::uuid`,
        ]);
        return;
      } catch (error) {
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') || attempt === PORT_ATTEMPTS) throw error;
      }
    }
  }

  private allocatePorts(driver: Driver, bindAddress: string): Promise<Record<string, number>> {
    return this.freePorts(driver.portNames.map((port) => ({ name: port.name, host: port.bind === 'instance' ? bindAddress : '127.0.0.1' })));
  }

  /** The lowest free ports of the range that no instance holds, bound where the server will bind them. */
  private async freePorts(requests: readonly PortRequest[]): Promise<Record<string, number>> {
    const taken = new Set((await this.prisma.instancePort.findMany({ select: { port: true } })).map((row) => row.port));
    try {
      return await allocatePorts(requests, { taken, range: this.config.portRange });
    } catch (error) {
      if (error instanceof RuntimeError && error.code === 'runtime/ports_exhausted') throw new HearthError('instance/ports_exhausted', error.message);
      throw error;
    }
  }

  /**
   * The index of the instance's own uid (HEARTH_INSTANCE_UID_BASE + index), one above the highest
   * in use: a destroyed instance's uid is not handed out again while a higher one exists, so files
   * it may have left outside its directory don't pass to a new instance. The unique key settles races.
   */
  private async allocateRunAsId(): Promise<number> {
    const { _max } = await this.prisma.instance.aggregate({ _max: { runAsId: true } });
    const next = (_max.runAsId ?? -1) + 1;
    if (this.config.instanceUidBase + next > MAX_INSTANCE_UID) {
      throw new HearthError('instance/uids_exhausted', `No uid left above HEARTH_INSTANCE_UID_BASE (${this.config.instanceUidBase}) for another instance`);
    }
    return next;
  }

  /** Rendering is pure: if it works now, the provisioning job's config step will too. */
  private async checkRenders(driver: Driver, spec: InstanceSpec, secrets: InstanceSecrets): Promise<void> {
    try {
      await driver.render(spec, secrets);
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      if (error.code === 'driver/unavailable') throw new HearthError('instance/kind_unavailable', error.message);
      throw new HearthError('instance/settings_invalid', error.message);
    }
  }

  private assertManaged(row: InstanceRow): void {
    if (row.runtime === 'external') {
      throw new HearthError('instance/not_managed', `${row.name} is an adopted server: it runs outside Hearth, which watches and administers it but does not start, stop or read its logs`);
    }
  }

  private async find(id: string): Promise<InstanceRow> {
    const row = await this.prisma.instance.findUnique({ where: { id } });
    if (!row) throw new HearthError('instance/not_found');
    return row;
  }

  private async view(rows: InstanceRow[]): Promise<Instance[]> {
    const summaries = await this.healthSummary.summaries(rows.map((row) => row.id));
    return rows.map((row) => toInstance(row, this.host.findDriver(row.kind), summaries.get(row.id)!));
  }
}
