import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '@hearth/contracts';
import { roleAtLeast } from '@hearth/contracts';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { API_TOKEN_PREFIX, SESSION_PREFIX, hashToken, newToken } from '../crypto/tokens';
import { PrismaService } from '../database/prisma.service';
import type { Actor } from './actor';

// lastSeenAt/lastUsedAt are written at most this often, so reads don't turn into writes.
const TOUCH_INTERVAL_MS = 60_000;

/** Issues login sessions and resolves a bearer token or cookie to an Actor. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  async open(operatorId: string): Promise<{ token: string; expiresAt: Date; sessionId: string }> {
    const token = newToken(SESSION_PREFIX);
    const expiresAt = new Date(Date.now() + this.config.sessionTtlMs);
    const session = await this.prisma.session.create({ data: { operatorId, tokenHash: hashToken(token), expiresAt } });
    return { token, expiresAt, sessionId: session.id };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.prisma.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  async revokeAllFor(operatorId: string, exceptSessionId?: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { operatorId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
      data: { revokedAt: new Date() },
    });
  }

  async resolve(token: string): Promise<Actor | undefined> {
    if (token.startsWith(SESSION_PREFIX)) return this.resolveSession(token);
    if (token.startsWith(API_TOKEN_PREFIX)) return this.resolveApiToken(token);
    return undefined;
  }

  private async resolveSession(token: string): Promise<Actor | undefined> {
    const now = new Date();
    const session = await this.prisma.session.findUnique({ where: { tokenHash: hashToken(token) }, include: { operator: true } });
    if (!session || session.revokedAt || session.expiresAt <= now || session.operator.disabledAt) return undefined;
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: now } });
    }
    const { operator } = session;
    return { kind: 'operator', operatorId: operator.id, email: operator.email, role: operator.role, sessionId: session.id };
  }

  private async resolveApiToken(token: string): Promise<Actor | undefined> {
    const now = new Date();
    const apiToken = await this.prisma.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { operator: true } });
    if (!apiToken || apiToken.revokedAt || (apiToken.expiresAt && apiToken.expiresAt <= now) || apiToken.operator.disabledAt) {
      return undefined;
    }
    if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.prisma.apiToken.update({ where: { id: apiToken.id }, data: { lastUsedAt: now } });
    }
    const { operator } = apiToken;
    return { kind: 'token', operatorId: operator.id, email: operator.email, role: lowerRole(apiToken.role, operator.role), tokenId: apiToken.id };
  }
}

/** A token never outranks its operator, even after the operator was demoted. */
function lowerRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}
