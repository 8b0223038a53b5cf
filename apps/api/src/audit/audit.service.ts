import { Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { AuditEvent, AuditListQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { pageArgs } from '../common/list';
import { redactSecrets } from '../common/redact';
import { PrismaService } from '../database/prisma.service';
import type { AuditEvent as AuditRow, AuditResult, Prisma } from '../generated/prisma/client';

export interface AuditRecord {
  actorKind: 'operator' | 'token' | 'system' | 'anonymous';
  actorId?: string;
  actorEmail?: string;
  action: string;
  targetType?: string;
  targetId?: string;
  reason?: string;
  result: AuditResult;
  statusCode?: number;
  detail?: Record<string, unknown>;
  requestId?: string;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly prisma: PrismaService) {}

  /** Never throws: a failed audit write is logged loudly but doesn't undo the action it records. */
  async record(event: AuditRecord): Promise<void> {
    try {
      await this.prisma.auditEvent.create({
        data: { ...event, detail: event.detail ? (redactSecrets(event.detail) as Prisma.InputJsonValue) : undefined },
      });
    } catch (error) {
      this.logger.error({ msg: 'audit write failed', action: event.action, error: (error as Error).message });
    }
  }

  async list(query: z.output<typeof AuditListQuery>): Promise<{ data: AuditEvent[]; total: number }> {
    const where: Prisma.AuditEventWhereInput = {
      action: query.action ? { startsWith: query.action } : undefined,
      actorId: query.actorId,
      result: query.result,
      targetType: query.targetType,
      targetId: query.targetId,
      at: query.since || query.until ? { gte: query.since ? new Date(query.since) : undefined, lt: query.until ? new Date(query.until) : undefined } : undefined,
      OR: query.q
        ? [{ action: { contains: query.q, mode: 'insensitive' } }, { actorEmail: { contains: query.q, mode: 'insensitive' } }, { targetId: { contains: query.q } }, { reason: { contains: query.q, mode: 'insensitive' } }]
        : undefined,
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.auditEvent.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.auditEvent.count({ where }),
    ]);
    return { data: rows.map(toAuditEvent), total };
  }

  async get(id: string): Promise<AuditEvent> {
    const row = await this.prisma.auditEvent.findUnique({ where: { id } });
    if (!row) throw new HearthError('audit/not_found');
    return toAuditEvent(row);
  }
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorEmail: row.actorEmail,
    actorKind: row.actorKind as AuditEvent['actorKind'],
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    reason: row.reason,
    result: row.result,
    statusCode: row.statusCode,
    detail: row.detail ?? null,
    requestId: row.requestId,
  };
}
