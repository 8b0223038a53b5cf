import { Controller, Delete, Get, HttpCode, Patch, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreateOperatorRequest, DeleteOperatorQuery, Operator, OperatorListQuery, UpdateOperatorRequest, IdParams } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { OperatorsService } from './operators.service';

@Controller('operators')
export class OperatorsController {
  constructor(private readonly operators: OperatorsService) {}

  @Get()
  @RequirePermission('operators.read')
  @Doc('List operators', z.object({ data: z.array(Operator), total: z.number() }))
  list(@ValidQuery(OperatorListQuery) query: z.output<typeof OperatorListQuery>) {
    return this.operators.list(query);
  }

  @Get(':id')
  @RequirePermission('operators.read')
  @Doc('One operator', Operator)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.operators.get(params.id);
  }

  @Post()
  @RequirePermission('operators.manage')
  @Audit('operator.create', 'operator')
  @Doc('Create an operator (roles up to your own)', Operator, 201)
  async create(@ValidBody(CreateOperatorRequest) body: CreateOperatorRequest, @Req() request: FastifyRequest) {
    const created = await this.operators.create(body, (request.actor as Actor).role);
    request.audit = { ...request.audit, targetId: created.id, detail: { email: created.email, role: created.role } };
    return created;
  }

  @Patch(':id')
  @RequirePermission('operators.manage')
  @Audit('operator.update', 'operator')
  @Doc('Change role, name, disabled state or password', Operator)
  update(@ValidParams(IdParams) params: { id: string }, @ValidBody(UpdateOperatorRequest) body: UpdateOperatorRequest, @Req() request: FastifyRequest) {
    return this.operators.update(params.id, body, (request.actor as Actor).role);
  }

  @Delete(':id')
  @RequirePermission('operators.manage')
  @HttpCode(204)
  @Audit('operator.delete', 'operator')
  @Doc('Delete an operator; `confirm` must repeat their email')
  async remove(@ValidParams(IdParams) params: { id: string }, @ValidQuery(DeleteOperatorQuery) query: z.output<typeof DeleteOperatorQuery>, @Req() request: FastifyRequest) {
    const removed = await this.operators.remove(params.id, query.confirm, (request.actor as Actor).role);
    request.audit = { ...request.audit, detail: { email: removed.email, role: removed.role } };
  }
}
