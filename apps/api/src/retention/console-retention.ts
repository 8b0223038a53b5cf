import type { ConsoleRetention, PolicyKnobs } from '@hearth/contracts';
import type { HearthConfig } from '../config/config';
import type { PrismaService } from '../database/prisma.service';

/**
 * What Hearth keeps of its own records: the console policy's knobs, or, without one, what Hearth
 * always did (audit and job history kept, health samples for HEARTH_SAMPLE_RETENTION_DAYS, the
 * schedules' own keep rules for backups).
 */
export async function consoleRetention(prisma: PrismaService, config: HearthConfig): Promise<ConsoleRetention & { policy: { id: string; name: string } | null }> {
  const policy = await prisma.retentionPolicy.findFirst({ where: { console: true } });
  if (!policy) return { auditDays: null, healthSampleDays: config.sampleRetentionDays, jobDays: null, backupsKept: 1000, policy: null };
  const knobs = policy.knobs as PolicyKnobs;
  return { auditDays: knobs.auditDays, healthSampleDays: knobs.healthSampleDays, jobDays: knobs.jobDays, backupsKept: knobs.backupsKept, policy: { id: policy.id, name: policy.name } };
}
