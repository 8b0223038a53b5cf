import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CreateRegistrationTokenRequest, IdParams, RegistrationToken, RegistrationTokenList, RegistrationTokenParams } from '@hearth/contracts';
import { iso } from '../common/list';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { audit } from '../common/request-audit';
import type { RegistrationToken as Token } from '../drivers/driver';
import { asApiCall } from '../instances/driver-errors';
import { OperableInstances } from './operable-instances';

// Lists show enough of a token to tell tokens apart, not enough to sign up with.
const SHOWN_CHARACTERS = 4;

/** Synapse's registration tokens: the invite people redeem in their Matrix app instead of on Hearth's page. */
@Controller('instances/:id/registration-tokens')
export class RegistrationTokensController {
  constructor(private readonly operable: OperableInstances) {}

  @Get()
  @RequirePermission('instance-users.read')
  @Doc("The server's registration tokens (only their first characters)", RegistrationTokenList)
  async list(@ValidParams(IdParams) params: { id: string }) {
    const { driver, context } = await this.operable.get(params.id, 'registration-tokens');
    const tokens = await asApiCall(() => driver.listRegistrationTokens!(context));
    return { data: tokens.map((token) => view(token, `${token.token.slice(0, SHOWN_CHARACTERS)}…`)), total: tokens.length };
  }

  @Post()
  @RequirePermission('instance-users.manage')
  @HttpCode(201)
  @Audit('registration-token.create', 'instance')
  @Doc('Make a registration token (shown once in full) with a number of uses and an expiry', RegistrationToken, 201)
  async create(@ValidParams(IdParams) params: { id: string }, @ValidBody(CreateRegistrationTokenRequest) body: z.output<typeof CreateRegistrationTokenRequest>, @Req() request: FastifyRequest) {
    const { driver, context } = await this.operable.get(params.id, 'registration-tokens');
    const created = await asApiCall(() => driver.createRegistrationToken!(context, { usesAllowed: body.usesAllowed, expiresAt: new Date(Date.now() + body.expiresInHours * 3600_000) }));
    audit(request, params.id, { token: `${created.token.slice(0, SHOWN_CHARACTERS)}…`, usesAllowed: body.usesAllowed, expiresAt: iso(created.expiresAt) });
    return view(created, created.token);
  }

  @Delete(':token')
  @RequirePermission('instance-users.manage')
  @HttpCode(204)
  @Audit('registration-token.delete', 'instance')
  @Doc('Withdraw a registration token')
  async remove(@ValidParams(RegistrationTokenParams) params: z.output<typeof RegistrationTokenParams>, @Req() request: FastifyRequest) {
    audit(request, params.id, { token: `${params.token.slice(0, SHOWN_CHARACTERS)}…` });
    const { driver, context } = await this.operable.get(params.id, 'registration-tokens');
    await asApiCall(() => driver.deleteRegistrationToken!(context, params.token));
  }
}

function view(token: Token, shown: string) {
  return { token: shown, usesAllowed: token.usesAllowed, pending: token.pending, completed: token.completed, expiresAt: iso(token.expiresAt) };
}
