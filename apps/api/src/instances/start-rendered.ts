import type { Driver, InstanceContext } from '../drivers/driver';

/**
 * Writes the config the driver renders now and starts the server on it, unless it already runs
 * (a resumed job): how restores and upgrades bring a server up on changed data or a changed release.
 */
export async function startRendered(driver: Driver, context: InstanceContext): Promise<void> {
  const { spec, runtime, secrets } = context;
  const { files, process } = await driver.render(spec, secrets);
  await runtime.writeFiles(spec, files);
  await driver.prepare(context);
  if ((await runtime.status(spec)).state !== 'running') await runtime.start({ ...spec, process });
}
