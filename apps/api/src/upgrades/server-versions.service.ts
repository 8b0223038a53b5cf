import { Inject, Injectable } from '@nestjs/common';
import type { InstanceVersions } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { PackageTrees } from '../runtimes/packages/package-tree';
import { SYSTEM_TREE, SYSTEM_VERSION_ID, type ServerVersion } from '../runtimes/packages/server-versions';

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

/** The version the instance runs: its release's tree, or the host's package. */
export function currentId(row: Instance, versions: readonly ServerVersion[]): string {
  const release = row.release as { tree: string } | null;
  if (!release || release.tree === SYSTEM_TREE) return SYSTEM_VERSION_ID;
  return versions.find((v) => v.release?.tree === release.tree)?.id ?? release.tree;
}
