import { Injectable } from '@nestjs/common';
import type { Me } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { hashPassword, verifyPassword } from '../crypto/passwords';
import { PrismaService } from '../database/prisma.service';
import type { Actor } from './actor';
import { SessionsService } from './sessions.service';

/** What an operator does to their own account. */
@Injectable()
export class AccountService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sessions: SessionsService,
  ) {}

  async me(actor: Actor): Promise<Me> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: actor.operatorId } });
    return {
      id: operator.id,
      email: operator.email,
      role: actor.role,
      displayName: operator.displayName,
      totpEnabled: operator.totpEnabledAt !== null,
      via: actor.kind === 'token' ? 'token' : 'session',
    };
  }

  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<void> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: actor.operatorId } });
    if (!(await verifyPassword(operator.passwordHash, currentPassword))) throw new HearthError('auth/wrong_password');
    await this.prisma.operator.update({ where: { id: operator.id }, data: { passwordHash: await hashPassword(newPassword) } });
    // Whoever knew the old password may hold a session; keep only the one making the change.
    await this.sessions.revokeAllFor(operator.id, actor.sessionId);
  }
}
