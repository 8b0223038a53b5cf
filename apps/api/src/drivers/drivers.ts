import { DebianRootfs } from '../runtimes/rootfs/debian-rootfs';
import type { Driver, InstanceKind } from './driver';
import { EjabberdDriver } from './ejabberd/ejabberd.driver';
import { ProsodyDriver } from './prosody/prosody.driver';
import { SynapseDriver } from './synapse/synapse.driver';

export interface DriverOptions {
  /** Where drivers that install their own software (Synapse's root filesystem) keep it. */
  readonly versionStore: string;
}

/** One driver per kind; drivers keep no state of their own, so one instance serves every homeserver. */
export function builtInDrivers(options: DriverOptions): ReadonlyMap<InstanceKind, Driver> {
  const drivers: Driver[] = [new ProsodyDriver(), new EjabberdDriver(), new SynapseDriver(new DebianRootfs({ store: options.versionStore }))];
  return new Map(drivers.map((driver) => [driver.kind, driver]));
}
