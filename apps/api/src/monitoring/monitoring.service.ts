import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { HealthSample as HealthSampleSchema, HealthSamplesQuery, InstanceEvent, InstanceEventsQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { pageArgs } from '../common/list';
import { PrismaService } from '../database/prisma.service';
import type { Prisma, InstanceEvent as InstanceEventRow } from '../generated/prisma/client';

type HealthSample = z.infer<typeof HealthSampleSchema>;

/** What the API shows of an instance's health history. */
@Injectable()
export class MonitoringService {
  constructor(private readonly prisma: PrismaService) {}

  /** The newest `limit` samples of the range, oldest first (the order a chart draws them in). */
  async samples(instanceId: string, query: z.output<typeof HealthSamplesQuery>): Promise<{ data: HealthSample[]; total: number }> {
    const where: Prisma.HealthSampleWhereInput = {
      instanceId,
      at: { gte: query.since ? new Date(query.since) : undefined, lte: query.until ? new Date(query.until) : undefined },
    };
    const [exists, rows, total] = await this.prisma.$transaction([
      this.prisma.instance.count({ where: { id: instanceId } }),
      this.prisma.healthSample.findMany({ where, orderBy: { at: 'desc' }, take: query.limit, select: { at: true, ok: true, latencyMs: true, checks: true } }),
      this.prisma.healthSample.count({ where }),
    ]);
    if (!exists) throw notFound();
    return {
      data: rows.reverse().map((row) => ({ at: row.at.toISOString(), ok: row.ok, latencyMs: row.latencyMs, checks: row.checks as HealthSample['checks'] })),
      total,
    };
  }

  async events(instanceId: string, query: z.output<typeof InstanceEventsQuery>): Promise<{ data: InstanceEvent[]; total: number }> {
    const where: Prisma.InstanceEventWhereInput = { instanceId };
    const [exists, rows, total] = await this.prisma.$transaction([
      this.prisma.instance.count({ where: { id: instanceId } }),
      this.prisma.instanceEvent.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.instanceEvent.count({ where }),
    ]);
    if (!exists) throw notFound();
    return { data: rows.map(toInstanceEvent), total };
  }
}

export function toInstanceEvent(row: InstanceEventRow): InstanceEvent {
  return {
    id: row.id,
    at: row.at.toISOString(),
    type: row.type as InstanceEvent['type'],
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    reason: row.reason,
  };
}

function notFound(): HearthError {
  return new HearthError('instance/not_found');
}
