import { Inject, Injectable } from '@nestjs/common';
import type { InstanceVersions } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { imageVersions } from './image-versions';
import { PackageTrees } from '../runtimes/packages/package-tree';
import { SYSTEM_VERSION_ID, type ServerRelease, type ServerVersion, isImageRelease, isSystemTree } from '../runtimes/packages/server-versions';

/** The versions an instance can run, and which one it runs. */
@Injectable()
export class ServerVersionsService {
  readonly trees: PackageTrees;

  constructor(
    @Inject(CONFIG) config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
  ) {
    this.trees = new PackageTrees({ store: config.versionStore });
  }

  async list(instanceId: string): Promise<InstanceVersions> {
    const row = await this.find(instanceId);
    const versions = await this.versionsOf(row);
    const current = currentId(row, versions);
    return {
      current: { id: current, version: row.version },
      versions: versions.map((v) => ({ id: v.id, version: v.version, packageVersion: v.packageVersion, source: v.source, suite: v.suite, state: v.state, current: v.id === current, problems: [...v.problems] })),
    };
  }

  async versionsOf(row: Instance): Promise<ServerVersion[]> {
    const driver = this.host.driver(row.kind);
    if (row.runtime === 'container' && driver.images) return imageVersions(this.host.images(), driver);
    if (!driver.versions || row.runtime !== 'process') {
      throw new HearthError('capability/unsupported', `Hearth does not manage the versions of ${row.runtime === 'external' ? 'an adopted server' : `${driver.displayName} instances`}`);
    }
    return driver.versions(this.trees);
  }

  async find(instanceId: string): Promise<Instance> {
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!row) throw new HearthError('instance/not_found');
    return row;
  }
}

/** The version the instance runs: its release's tree or image, or the host's package. */
export function currentId(row: Instance, versions: readonly ServerVersion[]): string {
  const release = (row.release as ServerRelease | null) ?? undefined;
  if (!release || isSystemTree(release)) return SYSTEM_VERSION_ID;
  const where = isImageRelease(release) ? release.image : release.tree;
  return versions.find((v) => v.release && sameRelease(v.release, release))?.id ?? where;
}

function sameRelease(a: ServerRelease, b: ServerRelease): boolean {
  return isImageRelease(a) ? isImageRelease(b) && a.image === b.image : !isImageRelease(b) && a.tree === b.tree;
}
