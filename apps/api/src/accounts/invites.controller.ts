import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CreateInviteRequest, IdParams, Invite, InviteList, InviteParams, ReasonQuery } from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { audit, operatorOf } from '../common/request-audit';
import { AccountLinksService } from './account-links.service';
import { OperableInstances } from './operable-instances';

/** Invite links of one homeserver: family onboarding without handing out an admin password. */
@Controller('instances/:id/invites')
export class InvitesController {
  constructor(
    private readonly links: AccountLinksService,
    private readonly operable: OperableInstances,
  ) {}

  @Get()
  @RequirePermission('instance-users.read')
  @Doc('The invites of this server, newest first (their URLs are shown only when created)', InviteList)
  async list(@ValidParams(IdParams) params: { id: string }) {
    const data = await this.links.listInvites(params.id);
    return { data, total: data.length };
  }

  @Post()
  @RequirePermission('instance-users.manage')
  @HttpCode(201)
  @Audit('invite.create', 'instance')
  @Doc('Make an invite link (shown once) with an expiry, a number of uses and optionally the one user name it may create', Invite, 201)
  async create(@ValidParams(IdParams) params: { id: string }, @ValidBody(CreateInviteRequest) body: z.output<typeof CreateInviteRequest>, @Req() request: FastifyRequest) {
    // The server must be able to create accounts now: an invite it can't honour would only disappoint.
    await this.operable.get(params.id, 'users.create');
    const { link, url } = await this.links.issue(params.id, 'invite', { username: body.fixedUsername, maxUses: body.maxUses, expiresInHours: body.expiresInHours, note: body.note }, operatorOf(request));
    audit(request, params.id, { inviteId: link.id, maxUses: link.maxUses, fixedUsername: link.username, expiresAt: link.expiresAt.toISOString() });
    const [invite] = (await this.links.listInvites(params.id)).filter((candidate) => candidate.id === link.id);
    return { ...invite, url };
  }

  @Delete(':inviteId')
  @RequirePermission('instance-users.manage')
  @Audit('invite.revoke', 'instance')
  @Doc('Withdraw an invite: its link stops working at once', Invite)
  revoke(@ValidParams(InviteParams) params: z.output<typeof InviteParams>, @ValidQuery(ReasonQuery) query: z.output<typeof ReasonQuery>, @Req() request: FastifyRequest) {
    audit(request, params.id, { inviteId: params.inviteId, reason: query.reason });
    return this.links.revokeInvite(params.id, params.inviteId);
  }
}
