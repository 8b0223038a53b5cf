import { Controller, Delete, Get, HttpCode, Patch, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AdoptInstanceRequest,
  CreateInstanceRequest,
  DeleteInstanceQuery,
  IdParams,
  Instance,
  InstanceAccepted,
  InstanceListQuery,
  InstanceLogs,
  LogsQuery,
  ReplaceAdminTokenRequest,
  UpdateInstanceRequest,
} from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { InstancesService, type Requester } from './instances.service';

@Controller('instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @RequirePermission('instances.read')
  @Doc('List instances with their status and health', z.object({ data: z.array(Instance), total: z.number() }))
  list(@ValidQuery(InstanceListQuery) query: z.output<typeof InstanceListQuery>) {
    return this.instances.list(query);
  }

  @Get(':id')
  @RequirePermission('instances.read')
  @Doc('One instance: status, endpoints, health, uptime and capabilities', Instance)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.instances.get(params.id);
  }

  @Post()
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.create', 'instance')
  @Doc('Create an instance; a provisioning job writes its config, starts it and waits until it is healthy', InstanceAccepted, 202)
  async create(@ValidBody(CreateInstanceRequest) body: CreateInstanceRequest, @Req() request: FastifyRequest) {
    const accepted = await this.instances.create(body, (request.actor as Actor).operatorId);
    request.audit = { ...request.audit, targetId: accepted.id, detail: { name: body.name, kind: body.kind, domain: body.domain, jobId: accepted.jobId } };
    return accepted;
  }

  @Post('adopt')
  @RequirePermission('instances.manage')
  @HttpCode(201)
  @Audit('instance.adopt', 'instance')
  @Doc('Adopt a Synapse that runs elsewhere: its URL and admin credentials are checked now; Hearth then watches and administers it, never starts or stops it', Instance, 201)
  async adopt(@ValidBody(AdoptInstanceRequest) body: AdoptInstanceRequest, @Req() request: FastifyRequest) {
    const credential = body.accessToken ? 'access-token' : 'shared-secret';
    request.audit = { ...request.audit, detail: { name: body.name, kind: body.kind, baseUrl: body.baseUrl, credential } };
    const adopted = await this.instances.adopt(body, requester(request));
    request.audit = { ...request.audit, targetId: adopted.id, detail: { ...request.audit?.detail, domain: adopted.domain } };
    return adopted;
  }

  @Post(':id/rotate-admin-token')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.rotate-admin-token', 'instance')
  @Doc("Replace Hearth's admin access token on the server (a job); the old token stops working", InstanceAccepted, 202)
  rotateAdminToken(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    return this.accepted(request, this.instances.rotateAdminToken(params.id, requester(request)));
  }

  @Put(':id/admin-token')
  @RequirePermission('instances.manage')
  @Audit('instance.replace-admin-token', 'instance')
  @Doc("Give Hearth a new admin access token for an adopted server; it is checked like at adoption", Instance)
  replaceAdminToken(@ValidParams(IdParams) params: { id: string }, @ValidBody(ReplaceAdminTokenRequest) body: z.output<typeof ReplaceAdminTokenRequest>) {
    return this.instances.replaceAdminToken(params.id, body.accessToken);
  }

  @Patch(':id')
  @RequirePermission('instances.manage')
  @Audit('instance.update', 'instance')
  @Doc('Change how often the instance is health-checked', Instance)
  update(@ValidParams(IdParams) params: { id: string }, @ValidBody(UpdateInstanceRequest) body: z.output<typeof UpdateInstanceRequest>) {
    return this.instances.update(params.id, body);
  }

  @Post(':id/start')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.start', 'instance')
  @Doc('Start the server (a job); supervision keeps it running from then on', InstanceAccepted, 202)
  start(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    return this.accepted(request, this.instances.start(params.id, requester(request)));
  }

  @Post(':id/stop')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.stop', 'instance')
  @Doc('Stop the server gracefully (a job); it stays stopped until started', InstanceAccepted, 202)
  stop(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    return this.accepted(request, this.instances.stop(params.id, requester(request)));
  }

  @Post(':id/restart')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.restart', 'instance')
  @Doc('Stop and start the server again (a job)', InstanceAccepted, 202)
  restart(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    return this.accepted(request, this.instances.restart(params.id, requester(request)));
  }

  @Delete(':id')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.destroy', 'instance')
  @Doc('Destroy the instance: stop it and delete its files and data; `confirm` must repeat its name', InstanceAccepted, 202)
  async destroy(@ValidParams(IdParams) params: { id: string }, @ValidQuery(DeleteInstanceQuery) query: z.output<typeof DeleteInstanceQuery>, @Req() request: FastifyRequest) {
    const { name, ...accepted } = await this.instances.destroy(params.id, query.confirm, requester(request));
    request.audit = { ...request.audit, detail: { name, jobId: accepted.jobId } };
    return accepted;
  }

  @Get(':id/logs')
  @RequirePermission('instances.logs')
  @Doc('The last lines of the server\'s output and of its own log files (`tail` lines of each)', InstanceLogs)
  logs(@ValidParams(IdParams) params: { id: string }, @ValidQuery(LogsQuery) query: z.output<typeof LogsQuery>) {
    return this.instances.logs(params.id, query.tail);
  }

  private async accepted(request: FastifyRequest, action: Promise<InstanceAccepted>): Promise<InstanceAccepted> {
    const accepted = await action;
    request.audit = { ...request.audit, detail: { jobId: accepted.jobId } };
    return accepted;
  }
}

function requester(request: FastifyRequest): Requester {
  const { operatorId, email } = request.actor as Actor;
  return { operatorId, email };
}
