import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreateUpgradeRollout, IdParams, UpgradeRollout } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { RolloutsService } from './rollouts.service';

/** Upgrading every instance of a kind, one at a time, optionally in a maintenance window. */
@Controller('upgrade-rollouts')
export class RolloutsController {
  constructor(private readonly rollouts: RolloutsService) {}

  @Get()
  @RequirePermission('instances.read')
  @Doc('The latest 100 upgrade rollouts, newest first', z.object({ data: z.array(UpgradeRollout), total: z.number() }))
  async list() {
    const data = await this.rollouts.list();
    return { data, total: data.length };
  }

  @Get(':id')
  @RequirePermission('instances.read')
  @Doc('One rollout: where it is, each instance\'s upgrade job and outcome', UpgradeRollout)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.rollouts.get(params.id);
  }

  @Post()
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('upgrade_rollout.create', 'upgrade-rollout')
  @Doc('Upgrade every instance of a kind (or those listed) to a version, one at a time, each backed up first; stops at the first failure; optionally only inside a maintenance window', UpgradeRollout, 202)
  async create(@ValidBody(CreateUpgradeRollout) body: z.output<typeof CreateUpgradeRollout>, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    const created = await this.rollouts.create(body, { operatorId, email });
    request.audit = { ...request.audit, targetId: created.id, detail: { kind: body.kind, to: body.to, instances: created.instances.map((entry) => entry.name), window: body.window, reason: body.reason } };
    return created;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequirePermission('instances.manage')
  @Audit('upgrade_rollout.cancel', 'upgrade-rollout')
  @Doc('Start no further upgrades; one that runs finishes (or is undone) as usual', UpgradeRollout)
  cancel(@ValidParams(IdParams) params: { id: string }) {
    return this.rollouts.cancel(params.id);
  }
}
