import type { Driver } from '../drivers/driver';
import { type ServerImageSpec, type ServerImages, repositoryTag, sameImageName } from '../runtimes/container/server-images';
import type { ServerVersion } from '../runtimes/packages/server-versions';

/**
 * The versions of a server on the container runtime: the images of it the engine has (Hearth's,
 * or any other named hearth/<server>:<tag> with Hearth's labels), then the images Hearth can
 * build and has not yet. An image's id is its tag.
 */
export async function imageVersions(images: ServerImages, driver: Driver): Promise<ServerVersion[]> {
  const specs = driver.images ?? [];
  const specOf = (reference: string) => specs.find((spec) => sameImageName(reference, repositoryTag(spec)));
  const versions: ServerVersion[] = (await images.list(driver.kind)).map((image) => ({
    id: tagOf(image.reference),
    name: driver.kind,
    version: image.version,
    packageVersion: image.packageVersion,
    source: 'image',
    suite: suiteOf(specOf(image.reference)),
    state: 'installed',
    release: { image: image.reference, version: image.version },
    problems: [],
  }));
  for (const spec of specs) {
    if (versions.some((version) => version.release && 'image' in version.release && sameImageName(version.release.image, repositoryTag(spec)))) continue;
    versions.push({ id: spec.tag, name: driver.kind, version: null, packageVersion: null, source: 'image', suite: suiteOf(spec), state: 'installable', imageSpec: spec, problems: [] });
  }
  return versions;
}

function tagOf(reference: string): string {
  return reference.slice(reference.lastIndexOf(':') + 1);
}

/** The suite its server package comes from: the last extra suite (backports) if it has one. */
function suiteOf(spec: ServerImageSpec | undefined): string | null {
  return spec ? (spec.rootfs.extraSuites?.at(-1) ?? spec.rootfs.suite) : null;
}
