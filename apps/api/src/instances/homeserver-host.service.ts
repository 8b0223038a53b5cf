import { Inject, Injectable } from '@nestjs/common';
import type { InstanceKindAvailability } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { SecretBox } from '../crypto/secret-box';
import type { Driver, InstanceContext, InstanceKind, InstanceSecrets, InstanceSettings, InstanceSpec } from '../drivers/driver';
import { builtInDrivers } from '../drivers/drivers';
import type { Instance } from '../generated/prisma/client';
import { ExternalRuntime } from '../runtimes/external.runtime';
import { ProcessRuntime } from '../runtimes/process/process.runtime';
import type { Runtime } from '../runtimes/runtime';

/**
 * Where Hearth's model meets the drivers and runtimes: turns an Instance row into the
 * driver, runtime and context (spec plus opened secrets) that operate it.
 */
@Injectable()
export class HomeserverHost {
  private readonly drivers: ReturnType<typeof builtInDrivers>;
  readonly processRuntime: Runtime;
  private readonly externalRuntime = new ExternalRuntime();

  constructor(
    private readonly box: SecretBox,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {
    this.drivers = builtInDrivers({ versionStore: config.versionStore });
    // Instances without a uid of their own (created before per-instance uids) run as this user.
    this.processRuntime = new ProcessRuntime({ runAs: config.instanceUser });
  }

  findDriver(kind: string): Driver | undefined {
    return this.drivers.get(kind as InstanceKind);
  }

  driver(kind: string): Driver {
    const driver = this.findDriver(kind);
    if (!driver) throw new HearthError('request/invalid', `Hearth has no driver for ${kind} instances yet`);
    return driver;
  }

  runtime(kind: string): Runtime {
    if (kind === 'external') return this.externalRuntime;
    if (kind !== 'process') throw new HearthError('request/invalid', `The ${kind} runtime is not available yet`);
    return this.processRuntime;
  }

  spec(instance: Instance): InstanceSpec {
    return {
      id: instance.id,
      kind: instance.kind as InstanceKind,
      domain: instance.domain,
      bindAddress: instance.bindAddress,
      dir: instance.dir,
      uid: this.uid(instance),
      ports: instance.ports as Record<string, number>,
      settings: instance.settings as InstanceSettings,
      baseUrl: instance.baseUrl ?? undefined,
      release: (instance.release as InstanceSpec['release'] | null) ?? undefined,
    };
  }

  /**
   * The instance's own uid and gid when Hearth is root, unless HEARTH_INSTANCE_USER puts every
   * instance under one user; instances created before per-instance uids have none.
   */
  uid(instance: Pick<Instance, 'runAsId'>): number | undefined {
    if (this.config.instanceUser || instance.runAsId === null) return undefined;
    return this.config.instanceUidBase + instance.runAsId;
  }

  /** Secrets are opened here, in the worker, for the duration of one operation. */
  context(instance: Instance): { driver: Driver; context: InstanceContext } {
    const secrets = this.openSecrets(instance);
    return { driver: this.driver(instance.kind), context: { spec: this.spec(instance), runtime: this.runtime(instance.runtime), secrets } };
  }

  sealSecrets(secrets: InstanceSecrets): string {
    return this.box.seal(JSON.stringify(secrets));
  }

  /** The instance's secrets with `updates` merged in, sealed again (e.g. an admin token obtained at bootstrap). */
  mergeSecrets(instance: Pick<Instance, 'secretsEnc'>, updates: InstanceSecrets): string {
    return this.sealSecrets({ ...this.openSecrets(instance), ...updates });
  }

  private openSecrets(instance: Pick<Instance, 'secretsEnc'>): InstanceSecrets {
    return instance.secretsEnc ? (JSON.parse(this.box.open(instance.secretsEnc)) as InstanceSecrets) : {};
  }

  /** Every kind Hearth knows, with what this host has installed. */
  async availability(): Promise<InstanceKindAvailability[]> {
    const kinds = await Promise.all(
      [...this.drivers.values()].map(async (driver) => {
        const detection = await driver.detect();
        return {
          kind: driver.kind,
          displayName: driver.displayName,
          available: detection.available,
          version: detection.version ?? null,
          runtimes: driver.adopt ? ['process' as const, 'external' as const] : ['process' as const],
          installHint: detection.installHint,
          problems: [...(detection.problems ?? [])],
        };
      }),
    );
    return kinds;
  }
}
