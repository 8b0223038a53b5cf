import { Injectable } from '@nestjs/common';
import type { Instance } from '@hearth/contracts';
import { PrismaService } from '../database/prisma.service';
import { DAY_MS } from '../common/time';

export type HealthSummary = Pick<Instance, 'health' | 'uptime'>;

/** The latest health sample and the uptime ratios shown with each instance. */
@Injectable()
export class HealthSummaryService {
  constructor(private readonly prisma: PrismaService) {}

  async summaries(instanceIds: string[]): Promise<Map<string, HealthSummary>> {
    const result = new Map<string, HealthSummary>(instanceIds.map((id) => [id, { health: null, uptime: { day: null, week: null } }]));
    if (!instanceIds.length) return result;
    const now = Date.now();
    const [latest, ratios] = await Promise.all([
      this.prisma.$queryRaw<{ instanceId: string; at: Date; ok: boolean; latencyMs: number | null }[]>`
        SELECT DISTINCT ON ("instanceId") "instanceId", at, ok, "latencyMs" FROM "HealthSample"
        WHERE "instanceId" = ANY(${instanceIds}::uuid[]) ORDER BY "instanceId", at DESC`,
      this.prisma.$queryRaw<{ instanceId: string; dayOk: bigint; dayAll: bigint; weekOk: bigint; weekAll: bigint }[]>`
        SELECT "instanceId",
          count(*) FILTER (WHERE ok AND at > ${new Date(now - DAY_MS)}) AS "dayOk",
          count(*) FILTER (WHERE at > ${new Date(now - DAY_MS)}) AS "dayAll",
          count(*) FILTER (WHERE ok) AS "weekOk",
          count(*) AS "weekAll"
        FROM "HealthSample" WHERE "instanceId" = ANY(${instanceIds}::uuid[]) AND at > ${new Date(now - 7 * DAY_MS)}
        GROUP BY "instanceId"`,
    ]);
    for (const sample of latest) {
      result.get(sample.instanceId)!.health = { status: sample.ok ? 'ok' : 'failing', checkedAt: sample.at.toISOString(), latencyMs: sample.latencyMs };
    }
    for (const row of ratios) {
      result.get(row.instanceId)!.uptime = {
        day: row.dayAll > 0n ? Number(row.dayOk) / Number(row.dayAll) : null,
        week: row.weekAll > 0n ? Number(row.weekOk) / Number(row.weekAll) : null,
      };
    }
    return result;
  }
}
