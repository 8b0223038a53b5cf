import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ChangePasswordRequest,
  LoginRequest,
  LoginResponse,
  Me,
  TotpConfirmRequest,
  TotpConfirmResponse,
  TotpDisableRequest,
  TotpEnrolment,
} from '@hearth/contracts';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { Audit, Doc, Public, RequirePermission, ValidBody } from '../common/route-meta';
import { AccountService } from './account.service';
import type { Actor } from './actor';
import { AuthService } from './auth.service';
import { SecondFactorService } from './second-factor.service';
import { SessionsService } from './sessions.service';
import { clearSessionCookie, setSessionCookie } from './session-cookie';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly account: AccountService,
    private readonly secondFactor: SecondFactorService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @Audit('auth.login', 'operator')
  @Doc('Log in; returns a bearer token and sets the session cookie', LoginResponse)
  async login(
    @ValidBody(LoginRequest) body: LoginRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    request.audit = { ...request.audit, actorEmail: body.email, detail: { email: body.email } };
    const { operator, token, expiresAt } = await this.auth.login(body, request.ip);
    request.audit = { ...request.audit, actorId: operator.id, targetId: operator.id };
    setSessionCookie(reply, token, expiresAt, this.config.secureCookies);
    return { token, expiresAt: expiresAt.toISOString(), operator: { id: operator.id, email: operator.email, role: operator.role } };
  }

  @Post('logout')
  @RequirePermission('account.self')
  @HttpCode(204)
  @Audit('auth.logout', 'operator')
  @Doc('End this login session (API tokens are revoked under /api/tokens)')
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const actor = request.actor as Actor;
    if (actor.sessionId) await this.sessions.revoke(actor.sessionId);
    clearSessionCookie(reply, this.config.secureCookies);
  }

  @Get('me')
  @RequirePermission('account.self')
  @Doc('The operator behind this request', Me)
  me(@Req() request: FastifyRequest): Promise<Me> {
    return this.account.me(request.actor as Actor);
  }

  @Post('password')
  @RequirePermission('account.self')
  @HttpCode(204)
  @Audit('auth.password.change', 'operator')
  @Doc('Change your own password; other sessions are signed out')
  async changePassword(@ValidBody(ChangePasswordRequest) body: z.output<typeof ChangePasswordRequest>, @Req() request: FastifyRequest): Promise<void> {
    await this.account.changePassword(request.actor as Actor, body.currentPassword, body.newPassword);
  }

  @Post('totp/enrol')
  @RequirePermission('account.self')
  @HttpCode(200)
  @Audit('auth.totp.enrol', 'operator')
  @Doc('Start two-factor enrolment: a new secret and its QR code', TotpEnrolment)
  enrol(@Req() request: FastifyRequest): Promise<TotpEnrolment> {
    return this.secondFactor.enrol((request.actor as Actor).operatorId);
  }

  @Post('totp/confirm')
  @RequirePermission('account.self')
  @HttpCode(200)
  @Audit('auth.totp.confirm', 'operator')
  @Doc('Confirm enrolment with a code; returns recovery codes, shown only this once', TotpConfirmResponse)
  async confirm(@ValidBody(TotpConfirmRequest) body: z.output<typeof TotpConfirmRequest>, @Req() request: FastifyRequest): Promise<TotpConfirmResponse> {
    return { recoveryCodes: await this.secondFactor.confirm((request.actor as Actor).operatorId, body.code) };
  }

  @Post('totp/disable')
  @RequirePermission('account.self')
  @HttpCode(204)
  @Audit('auth.totp.disable', 'operator')
  @Doc('Turn two-factor authentication off (needs the password)')
  async disable(@ValidBody(TotpDisableRequest) body: z.output<typeof TotpDisableRequest>, @Req() request: FastifyRequest): Promise<void> {
    await this.secondFactor.disable((request.actor as Actor).operatorId, body.password);
  }
}
