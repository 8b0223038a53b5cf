import { Controller, Delete, Get, HttpCode, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  AccountLinkIssued,
  AccountSessionList,
  BulkUsersRequest,
  BulkUsersResult,
  CreateInstanceUserRequest,
  EraseUserQuery,
  IdParams,
  InstanceSessionParams,
  InstanceUser,
  InstanceUserList,
  InstanceUserListQuery,
  InstanceUserParams,
  ReactivateRequest,
  ReasonQuery,
  ReasonRequest,
  ResetPasswordRequest,
  SetAdminRequest,
} from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { audit, operatorOf } from '../common/request-audit';
import { InstanceUsersService } from './instance-users.service';

type UserParams = z.output<typeof InstanceUserParams>;

/** Accounts on one homeserver. Every change is audited with the account and the moderator's reason. */
@Controller('instances/:id/users')
export class InstanceUsersController {
  constructor(private readonly users: InstanceUsersService) {}

  @Get()
  @RequirePermission('instance-users.read')
  @Doc("The server's accounts (Hearth's own are not listed): search `q`, filters `admin` and `deactivated`, paging", InstanceUserList)
  list(@ValidParams(IdParams) params: { id: string }, @ValidQuery(InstanceUserListQuery) query: z.output<typeof InstanceUserListQuery>) {
    return this.users.list(params.id, query);
  }

  @Post()
  @RequirePermission('instance-users.manage')
  @HttpCode(201)
  @Audit('instance-user.create', 'instance')
  @Doc('Create an account with a password, or with a one-time link (shown once) where the person chooses it', AccountLinkIssued, 201)
  create(@ValidParams(IdParams) params: { id: string }, @ValidBody(CreateInstanceUserRequest) body: CreateInstanceUserRequest, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: body.username, setPasswordLink: Boolean(body.setPasswordLink) });
    return this.users.create(params.id, body, operatorOf(request));
  }

  @Post('bulk')
  @RequirePermission('instance-users.manage')
  @HttpCode(200)
  @Audit('instance-user.bulk', 'instance')
  @Doc('One action on many accounts (deactivate, sign-out, erase); erase needs `confirm` = the number of accounts. Answers what succeeded and what failed', BulkUsersResult)
  async bulk(@ValidParams(IdParams) params: { id: string }, @ValidBody(BulkUsersRequest) body: z.output<typeof BulkUsersRequest>, @Req() request: FastifyRequest) {
    const result = await this.users.bulk(params.id, body.action, body.usernames, body.confirm);
    audit(request, params.id, { action: body.action, reason: body.reason, succeeded: result.results.filter((r) => r.ok).map((r) => r.username), failed: result.results.filter((r) => !r.ok).map((r) => r.username) });
    return result;
  }

  @Get(':username')
  @RequirePermission('instance-users.read')
  @Doc('One account', InstanceUser)
  get(@ValidParams(InstanceUserParams) params: UserParams) {
    return this.users.get(params.id, params.username);
  }

  @Post(':username/password')
  @RequirePermission('instance-users.manage')
  @HttpCode(200)
  @Audit('instance-user.reset-password', 'instance')
  @Doc('Set a new password, or make a one-time link; either way the old password stops working and (Matrix) devices are logged out', AccountLinkIssued)
  resetPassword(@ValidParams(InstanceUserParams) params: UserParams, @ValidBody(ResetPasswordRequest) body: z.output<typeof ResetPasswordRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, setPasswordLink: Boolean(body.setPasswordLink), reason: body.reason });
    return this.users.resetPassword(params.id, params.username, body, operatorOf(request));
  }

  @Put(':username/admin')
  @RequirePermission('instance-users.manage')
  @Audit('instance-user.set-admin', 'instance')
  @Doc('Grant or revoke server admin rights (Matrix)', InstanceUser)
  setAdmin(@ValidParams(InstanceUserParams) params: UserParams, @ValidBody(SetAdminRequest) body: z.output<typeof SetAdminRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, admin: body.admin, reason: body.reason });
    return this.users.setAdmin(params.id, params.username, body.admin);
  }

  @Post(':username/deactivate')
  @RequirePermission('instance-users.manage')
  @HttpCode(200)
  @Audit('instance-user.deactivate', 'instance')
  @Doc('Lock the account: no login, its sessions end, its data stays', InstanceUser)
  deactivate(@ValidParams(InstanceUserParams) params: UserParams, @ValidBody(ReasonRequest) body: z.output<typeof ReasonRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, reason: body.reason });
    return this.users.deactivate(params.id, params.username);
  }

  @Post(':username/reactivate')
  @RequirePermission('instance-users.manage')
  @HttpCode(200)
  @Audit('instance-user.reactivate', 'instance')
  @Doc('Unlock a locked account with a new password', InstanceUser)
  reactivate(@ValidParams(InstanceUserParams) params: UserParams, @ValidBody(ReactivateRequest) body: z.output<typeof ReactivateRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, reason: body.reason });
    return this.users.reactivate(params.id, params.username, body.password);
  }

  @Delete(':username')
  @RequirePermission('instance-users.manage')
  @HttpCode(204)
  @Audit('instance-user.erase', 'instance')
  @Doc('Erase the account and what the server can erase with it; `confirm` must repeat the user name')
  async erase(@ValidParams(InstanceUserParams) params: UserParams, @ValidQuery(EraseUserQuery) query: z.output<typeof EraseUserQuery>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, reason: query.reason });
    await this.users.erase(params.id, params.username, query.confirm);
  }

  @Get(':username/sessions')
  @RequirePermission('instance-users.read')
  @Doc("The account's logged-in clients: Matrix devices or XMPP resources (no IP addresses)", AccountSessionList)
  sessions(@ValidParams(InstanceUserParams) params: UserParams) {
    return this.users.sessions(params.id, params.username);
  }

  @Delete(':username/sessions/:sessionId')
  @RequirePermission('instance-users.manage')
  @HttpCode(204)
  @Audit('instance-user.revoke-session', 'instance')
  @Doc('End one session (XMPP) or log one device out (Matrix)')
  async revokeSession(@ValidParams(InstanceSessionParams) params: z.output<typeof InstanceSessionParams>, @ValidQuery(ReasonQuery) query: z.output<typeof ReasonQuery>, @Req() request: FastifyRequest) {
    audit(request, params.id, { username: params.username, sessionId: params.sessionId, reason: query.reason });
    await this.users.revokeSession(params.id, params.username, params.sessionId);
  }
}
