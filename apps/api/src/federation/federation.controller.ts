import { Controller, Get, HttpCode, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IdParams, InstanceAccepted, InstanceFederation, SetFederationRequest } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { audit } from '../common/request-audit';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { FederationService } from './federation.service';

/** An instance's federation policy: which other servers it talks to. */
@Controller('instances/:id/federation')
export class FederationController {
  constructor(private readonly federation: FederationService) {}

  @Get()
  @RequirePermission('instances.read')
  @Doc('The federation policy Hearth applies and what the running server does, read back from it (status ok, drift or unsupported)', InstanceFederation)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.federation.get(params.id);
  }

  @Put()
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.federation', 'instance')
  @Doc('Apply a federation policy (a job): new config, restart, health gate, read-back; on any failure the previous settings come back', InstanceAccepted, 202)
  async set(@ValidParams(IdParams) params: { id: string }, @ValidBody(SetFederationRequest) body: SetFederationRequest, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    audit(request, params.id, { mode: body.mode, domains: body.domains });
    const accepted = await this.federation.set(params.id, body, { operatorId, email });
    audit(request, params.id, { jobId: accepted.jobId });
    return accepted;
  }
}
