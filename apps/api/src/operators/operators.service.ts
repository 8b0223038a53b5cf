import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type CreateOperatorRequest, type Operator, type OperatorListQuery, type Role, type UpdateOperatorRequest, roleAtLeast } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso, pageArgs } from '../common/list';
import { hashPassword } from '../crypto/passwords';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type Operator as OperatorRow } from '../generated/prisma/client';
import { SessionsService } from '../auth/sessions.service';

/** The acting operator's role, or `system` for the CLI and first-start bootstrap. */
export type Grantor = Role | 'system';

@Injectable()
export class OperatorsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sessions: SessionsService,
  ) {}

  async list(query: z.output<typeof OperatorListQuery>): Promise<{ data: Operator[]; total: number }> {
    const where: Prisma.OperatorWhereInput = {
      role: query.role,
      OR: query.q ? [{ email: { contains: query.q, mode: 'insensitive' } }, { displayName: { contains: query.q, mode: 'insensitive' } }] : undefined,
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.operator.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.operator.count({ where }),
    ]);
    return { data: rows.map(toOperator), total };
  }

  async get(id: string): Promise<Operator> {
    return toOperator(await this.find(id));
  }

  async count(): Promise<number> {
    return this.prisma.operator.count();
  }

  async create(input: CreateOperatorRequest, grantor: Grantor): Promise<Operator> {
    assertMayGrant(grantor, input.role);
    try {
      const row = await this.prisma.operator.create({
        data: { email: input.email, role: input.role, displayName: input.displayName, passwordHash: await hashPassword(input.password) },
      });
      return toOperator(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new HearthError('operator/email_taken', `${input.email} already has an operator account`);
      }
      throw error;
    }
  }

  async update(id: string, input: UpdateOperatorRequest, grantor: Grantor): Promise<Operator> {
    const current = await this.find(id);
    assertMayGrant(grantor, current.role);
    if (input.role) assertMayGrant(grantor, input.role);
    const losesOwner = current.role === 'owner' && ((input.role && input.role !== 'owner') || input.disabled === true);
    return this.prisma.$transaction(async (tx) => {
      if (losesOwner) await assertAnotherActiveOwner(tx, id);
      const row = await tx.operator.update({
        where: { id },
        data: {
          role: input.role,
          displayName: input.displayName,
          disabledAt: input.disabled === undefined ? undefined : input.disabled ? (current.disabledAt ?? new Date()) : null,
          passwordHash: input.password ? await hashPassword(input.password) : undefined,
        },
      });
      if (input.disabled || input.password) await this.sessions.revokeAllFor(id);
      return toOperator(row);
    });
  }

  async remove(id: string, confirmEmail: string, grantor: Grantor): Promise<Operator> {
    const current = await this.find(id);
    if (confirmEmail.trim().toLowerCase() !== current.email) {
      throw new HearthError('operator/confirmation_mismatch', 'Type the operator email exactly to confirm the deletion');
    }
    assertMayGrant(grantor, current.role);
    await this.prisma.$transaction(async (tx) => {
      if (current.role === 'owner') await assertAnotherActiveOwner(tx, id);
      await tx.operator.delete({ where: { id } });
    });
    return toOperator(current);
  }

  async setPasswordByEmail(email: string, password: string): Promise<Operator> {
    const row = await this.prisma.operator.findUnique({ where: { email: email.trim().toLowerCase() } });
    if (!row) throw new HearthError('operator/not_found', `No operator with email ${email}`);
    return this.update(row.id, { password, disabled: false }, 'system');
  }

  async findByEmail(email: string): Promise<OperatorRow | null> {
    return this.prisma.operator.findUnique({ where: { email: email.trim().toLowerCase() } });
  }

  private async find(id: string): Promise<OperatorRow> {
    const row = await this.prisma.operator.findUnique({ where: { id } });
    if (!row) throw new HearthError('operator/not_found');
    return row;
  }
}

function assertMayGrant(grantor: Grantor, role: Role): void {
  if (grantor !== 'system' && !roleAtLeast(grantor, role)) {
    throw new HearthError('operator/role_too_high', `A ${grantor} cannot manage ${role} accounts`);
  }
}

async function assertAnotherActiveOwner(tx: Prisma.TransactionClient, exceptId: string): Promise<void> {
  // Lock the owners so two concurrent demotions can't each see the other as the remaining owner.
  await tx.$queryRaw`SELECT id FROM "Operator" WHERE role = 'owner' FOR UPDATE`;
  const others = await tx.operator.count({ where: { role: 'owner', disabledAt: null, id: { not: exceptId } } });
  if (others === 0) throw new HearthError('operator/last_owner', 'Make another operator owner first');
}

export function toOperator(row: OperatorRow): Operator {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    totpEnabled: row.totpEnabledAt !== null,
    disabled: row.disabledAt !== null,
    lastLoginAt: iso(row.lastLoginAt),
    createdAt: row.createdAt.toISOString(),
  };
}
