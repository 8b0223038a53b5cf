import type { Driver, InstanceKind } from './driver';
import { EjabberdDriver } from './ejabberd/ejabberd.driver';
import { ProsodyDriver } from './prosody/prosody.driver';

/** One driver per kind; drivers keep no state of their own, so one instance serves every homeserver. */
export function builtInDrivers(): ReadonlyMap<InstanceKind, Driver> {
  const drivers: Driver[] = [new ProsodyDriver(), new EjabberdDriver()];
  return new Map(drivers.map((driver) => [driver.kind, driver]));
}
