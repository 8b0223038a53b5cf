import { Injectable } from '@nestjs/common';
import type { Me } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { hashPassword, verifyPassword } from '../crypto/passwords';
import { PrismaService } from '../database/prisma.service';
import { toOperator } from '../operators/operators.service';
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
    const { id, email, displayName, totpEnabled } = toOperator(await this.prisma.operator.findUniqueOrThrow({ where: { id: actor.operatorId } }));
    // The role in effect for this request: a token's role may be below its operator's.
    return { id, email, role: actor.role, displayName, totpEnabled, via: actor.kind === 'token' ? 'token' : 'session' };
  }

  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<void> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: actor.operatorId } });
    if (!(await verifyPassword(operator.passwordHash, currentPassword))) throw new HearthError('auth/wrong_password');
    await this.prisma.operator.update({ where: { id: operator.id }, data: { passwordHash: await hashPassword(newPassword) } });
    // Whoever knew the old password may hold a session; keep only the one making the change.
    await this.sessions.revokeAllFor(operator.id, actor.sessionId);
  }
}
