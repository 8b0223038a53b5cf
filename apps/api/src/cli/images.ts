import type { HearthConfig } from '../config/config';
import { HearthError } from '../common/hearth-error';
import { PROSODY_IMAGES } from '../drivers/prosody/prosody-images';
import { connectEngine } from '../runtimes/container/engine';
import { ServerImages, type ServerImageSpec, repositoryTag } from '../runtimes/container/server-images';
import { DebianRootfs } from '../runtimes/rootfs/debian-rootfs';
import { progressLines } from './versions';

/** The images `hearth images build` makes, by the server's name. */
export const IMAGES: Readonly<Record<string, readonly ServerImageSpec[]>> = { prosody: PROSODY_IMAGES };

/**
 * Builds a server's images (all its tags, or one) from the version store's Debian trees into the
 * container engine, or finds them there: what the container runtime's provisioning and upgrades
 * would otherwise do on first use.
 */
export async function runImagesBuild(config: HearthConfig, server: string, options: { tag?: string }): Promise<void> {
  const specs = (IMAGES[server] ?? []).filter((spec) => !options.tag || spec.tag === options.tag);
  if (specs.length === 0) throw new HearthError('request/invalid', `Hearth has no ${server} image${options.tag ? ` tagged ${options.tag}` : ''}; it builds ${describeImages()}`);
  const images = serverImages(config);
  for (const spec of specs) {
    const image = await images.ensure(spec, progressLines());
    process.stdout.write(`${image.imported ? 'Built' : 'Already there'}: ${image.reference}  ${server} ${image.version} (${image.packageVersion})  ${image.imageId.slice(0, 19)}\n`);
  }
}

/** The images of Hearth's servers the engine has, one line each. */
export async function runImagesList(config: HearthConfig): Promise<void> {
  const images = serverImages(config);
  let found = 0;
  for (const server of Object.keys(IMAGES)) {
    for (const image of await images.list(server)) {
      found++;
      process.stdout.write(`${image.reference}  ${server} ${image.version} (${image.packageVersion})  from ${image.rootfs}\n`);
    }
  }
  if (found === 0) process.stdout.write(`No images yet: hearth images build ${Object.keys(IMAGES).join('|')}\n`);
}

function serverImages(config: HearthConfig): ServerImages {
  if (!config.containerSocket) throw new HearthError('instance/runtime_unsupported', 'No container engine found: set HEARTH_CONTAINER_SOCKET to the Docker or Podman API socket');
  return new ServerImages({ engine: connectEngine(config.containerSocket), rootfs: new DebianRootfs({ store: config.versionStore }) });
}

function describeImages(): string {
  return Object.values(IMAGES).flat().map(repositoryTag).join(', ');
}
