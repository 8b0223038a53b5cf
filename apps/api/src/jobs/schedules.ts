import type { JobName } from './job-types';

/** Recurring console jobs, kept by BullMQ job schedulers (idempotent upserts at worker start). */
export const SCHEDULES: { name: JobName; everyMs: number }[] = [
  { name: 'console.prune', everyMs: 60 * 60_000 },
  { name: 'monitoring.prune-samples', everyMs: 24 * 60 * 60_000 },
  { name: 'backup.watch', everyMs: 5 * 60_000 },
];
