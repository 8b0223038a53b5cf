import { Inject, Injectable } from '@nestjs/common';
import type { InstanceKindAvailability } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { SecretBox } from '../crypto/secret-box';
import type { Driver, InstanceContext, InstanceKind, InstanceSecrets, InstanceSettings, InstanceSpec } from '../drivers/driver';
import { builtInDrivers } from '../drivers/drivers';
import type { Instance } from '../generated/prisma/client';
import type Docker from 'dockerode';
import { ContainerRuntime } from '../runtimes/container/container.runtime';
import { connectEngine } from '../runtimes/container/engine';
import { ServerImages } from '../runtimes/container/server-images';
import { DebianRootfs } from '../runtimes/rootfs/debian-rootfs';
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
  readonly processRuntime: ProcessRuntime;
  private readonly externalRuntime = new ExternalRuntime();
  private containerRuntime?: ContainerRuntime;
  private containerEngine?: Docker;
  private serverImages?: ServerImages;

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
    if (kind === 'container') {
      this.containerRuntime ??= new ContainerRuntime({ engine: this.engine(), files: this.processRuntime });
      return this.containerRuntime;
    }
    if (kind !== 'process') throw new HearthError('request/invalid', `Hearth has no ${kind} runtime`);
    return this.processRuntime;
  }

  /** The container engine's API client; throws when none is configured or found. */
  engine(): Docker {
    const socket = this.config.containerSocket;
    if (!socket) {
      throw new HearthError('instance/runtime_unsupported', 'No container engine found: start Docker, or Podman\'s API service, and set HEARTH_CONTAINER_SOCKET to its socket');
    }
    this.containerEngine ??= connectEngine(socket);
    return this.containerEngine;
  }

  /** Hearth's images of the servers, built from the version store's Debian trees into the engine. */
  images(): ServerImages {
    this.serverImages ??= new ServerImages({ engine: this.engine(), rootfs: new DebianRootfs({ store: this.config.versionStore }) });
    return this.serverImages;
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

  /**
   * Every kind Hearth knows, with what this host has installed (`available`: the process runtime
   * can run it). A kind Hearth has images of is also offered on the container runtime when an
   * engine is configured, whether or not the host has the program.
   */
  async availability(): Promise<InstanceKindAvailability[]> {
    return Promise.all(
      [...this.drivers.values()].map(async (driver) => {
        const detection = await driver.detect();
        const container = Boolean(driver.images?.length && this.config.containerSocket);
        return {
          kind: driver.kind,
          displayName: driver.displayName,
          available: detection.available,
          version: detection.version ?? null,
          runtimes: ['process' as const, ...(container ? ['container' as const] : []), ...(driver.adopt ? ['external' as const] : [])],
          installHint: detection.installHint,
          problems: [...(detection.problems ?? [])],
        };
      }),
    );
  }
}
