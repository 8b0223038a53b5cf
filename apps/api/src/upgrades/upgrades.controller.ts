import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { IdParams, InstanceVersions, UpgradeAccepted, UpgradeRequest } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { audit } from '../common/request-audit';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { ServerVersionsService } from './server-versions.service';
import { UpgradesService } from './upgrades.service';

/** An instance's versions, and moving it to another one. */
@Controller('instances/:id')
export class UpgradesController {
  constructor(
    private readonly versions: ServerVersionsService,
    private readonly upgrades: UpgradesService,
  ) {}

  @Get('versions')
  @RequirePermission('instances.read')
  @Doc('The versions this server can run here (the host package, installed trees, installable ones) and the one it runs', InstanceVersions)
  list(@ValidParams(IdParams) params: { id: string }) {
    return this.versions.list(params.id);
  }

  @Post('upgrade')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.upgrade', 'instance')
  @Doc('Move to another version (a job): preflight, encrypted backup, stop, snapshot, switch, start, health gate, post-checks; undone on any failure after the stop', UpgradeAccepted, 202)
  async upgrade(@ValidParams(IdParams) params: { id: string }, @ValidBody(UpgradeRequest) body: z.output<typeof UpgradeRequest>, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    audit(request, params.id, { versionId: body.versionId, targetId: body.targetId, reason: body.reason });
    const accepted = await this.upgrades.upgrade(params.id, body, { operatorId, email });
    audit(request, params.id, { jobId: accepted.jobId, backupId: accepted.backupId });
    return accepted;
  }
}
