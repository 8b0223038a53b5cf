import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type ApiToken, type CreateTokenRequest, type Role, type TokenListQuery, roleAtLeast } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso, pageArgs } from '../common/list';
import { API_TOKEN_PREFIX, hashToken, newToken } from '../crypto/tokens';
import { PrismaService } from '../database/prisma.service';
import type { ApiToken as ApiTokenRow, Prisma } from '../generated/prisma/client';

/** Personal API tokens: each operator sees and manages their own. */
@Injectable()
export class TokensService {
  constructor(private readonly prisma: PrismaService) {}

  async list(operatorId: string, query: z.output<typeof TokenListQuery>): Promise<{ data: ApiToken[]; total: number }> {
    const now = new Date();
    const active: Prisma.ApiTokenWhereInput = { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    const inactive: Prisma.ApiTokenWhereInput = { OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }] };
    const where: Prisma.ApiTokenWhereInput = {
      operatorId,
      name: query.q ? { contains: query.q, mode: 'insensitive' } : undefined,
      AND: query.active === undefined ? undefined : [query.active ? active : inactive],
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.apiToken.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.apiToken.count({ where }),
    ]);
    return { data: rows.map(toApiToken), total };
  }

  /** Returns the token itself: this is the only time it exists outside the caller's hands. */
  async create(operatorId: string, operatorRole: Role, input: CreateTokenRequest): Promise<{ id: string; token: string }> {
    const role = input.role ?? operatorRole;
    if (!roleAtLeast(operatorRole, role)) throw new HearthError('token/role_too_high', `A ${operatorRole} cannot create a ${role} token`);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : undefined;
    if (expiresAt && expiresAt <= new Date()) throw new HearthError('token/expiry_in_past');
    const token = newToken(API_TOKEN_PREFIX);
    const row = await this.prisma.apiToken.create({
      data: { operatorId, name: input.name, role, expiresAt, tokenHash: hashToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) },
    });
    return { id: row.id, token };
  }

  async revoke(operatorId: string, id: string): Promise<ApiToken> {
    const row = await this.prisma.apiToken.findFirst({ where: { id, operatorId } });
    if (!row) throw new HearthError('token/not_found');
    const revoked = row.revokedAt ? row : await this.prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    return toApiToken(revoked);
  }
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}
