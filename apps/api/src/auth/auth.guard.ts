import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { type Permission, can } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { AUDIT_KEY, type AuditMeta, PERMISSION_KEY, PUBLIC_KEY, PUBLIC_WHEN_KEY } from '../common/route-meta';
import { credentialFrom } from './session-cookie';
import { SessionsService } from './sessions.service';

/** Global guard: resolves the actor, then enforces the route's declared permission. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const audit = this.reflector.getAllAndOverride<AuditMeta | undefined>(AUDIT_KEY, targets);
    request.audit = { ...request.audit, action: audit?.action, targetType: audit?.targetType };

    const credential = credentialFrom(request);
    if (credential) request.actor = await this.sessions.resolve(credential);

    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const publicWhen = this.reflector.get<'metricsPublic' | undefined>(PUBLIC_WHEN_KEY, context.getHandler());
    if (publicWhen && this.config[publicWhen]) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
    if (!request.actor) {
      request.audit = { ...request.audit, deniedByGuard: true };
      throw new HearthError('auth/unauthenticated', credential ? 'The session or token is expired, revoked or unknown' : undefined);
    }
    // Routes without a declaration are refused at start-up; this is the belt to those braces.
    if (!permission || !can(request.actor.role, permission)) {
      request.audit = { ...request.audit, deniedByGuard: true };
      throw new HearthError('auth/forbidden', `This needs the ${permission ?? 'unknown'} permission, which the ${request.actor.role} role does not have`);
    }
    return true;
  }
}
