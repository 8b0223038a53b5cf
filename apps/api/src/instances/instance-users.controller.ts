import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CreateInstanceUserRequest, IdParams, InstanceUser, InstanceUserList } from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { InstanceUsersService } from './instance-users.service';

@Controller('instances/:id/users')
export class InstanceUsersController {
  constructor(private readonly users: InstanceUsersService) {}

  @Get()
  @RequirePermission('instance-users.read')
  @Doc("The server's local accounts (Hearth's own admin account is not listed)", InstanceUserList)
  list(@ValidParams(IdParams) params: { id: string }) {
    return this.users.list(params.id);
  }

  @Post()
  @RequirePermission('instance-users.manage')
  @HttpCode(201)
  @Audit('instance-user.create', 'instance')
  @Doc('Create an account with a password; the user name is checked against the protocol\'s rules first', InstanceUser, 201)
  async create(@ValidParams(IdParams) params: { id: string }, @ValidBody(CreateInstanceUserRequest) body: CreateInstanceUserRequest, @Req() request: FastifyRequest) {
    request.audit = { ...request.audit, targetId: params.id, detail: { username: body.username } };
    return this.users.create(params.id, body);
  }
}
