import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiToken, CreateTokenRequest, CreateTokenResponse, TokenListQuery, IdParams } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { TokensService } from './tokens.service';

@Controller('tokens')
@RequirePermission('account.self')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get()
  @Doc('Your personal API tokens', z.object({ data: z.array(ApiToken), total: z.number() }))
  list(@ValidQuery(TokenListQuery) query: z.output<typeof TokenListQuery>, @Req() request: FastifyRequest) {
    return this.tokens.list((request.actor as Actor).operatorId, query);
  }

  @Post()
  @Audit('token.create', 'api-token')
  @Doc('Create a personal API token; the token is in this response only', CreateTokenResponse, 201)
  async create(@ValidBody(CreateTokenRequest) body: CreateTokenRequest, @Req() request: FastifyRequest) {
    const actor = request.actor as Actor;
    const created = await this.tokens.create(actor.operatorId, actor.role, body);
    request.audit = { ...request.audit, targetId: created.id };
    return created;
  }

  @Delete(':id')
  @HttpCode(204)
  @Audit('token.revoke', 'api-token')
  @Doc('Revoke one of your tokens')
  async revoke(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const revoked = await this.tokens.revoke((request.actor as Actor).operatorId, params.id);
    request.audit = { ...request.audit, detail: { name: revoked.name } };
  }
}
