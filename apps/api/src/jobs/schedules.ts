import type { HearthConfig } from '../config/config';
import type { JobName } from './job-types';

/** Recurring console jobs, kept by BullMQ job schedulers (idempotent upserts at worker start). */
export function schedules(config: Pick<HearthConfig, 'privacyCheckIntervalSec'>): { name: JobName; everyMs: number }[] {
  return [
    { name: 'console.prune', everyMs: 60 * 60_000 },
    { name: 'monitoring.prune-samples', everyMs: 24 * 60 * 60_000 },
    { name: 'backup.watch', everyMs: 5 * 60_000 },
    { name: 'console.retention', everyMs: 60 * 60_000 },
    { name: 'retention.check', everyMs: config.privacyCheckIntervalSec * 1000 },
  ];
}
