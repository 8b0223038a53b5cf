import { z } from 'zod';
import { ListQuery } from './common.js';

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;
export const StepStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']);

export const JobStep = z.object({
  name: z.string(),
  status: StepStatus,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().optional(),
  /** A long step's own progress (0-100) and what it is doing; absent for short steps. */
  progress: z.number().optional(),
  detail: z.string().optional(),
});

export const Job = z.object({
  id: z.string(),
  type: z.string(),
  status: JobStatus,
  progress: z.number(),
  steps: z.array(JobStep),
  error: z.string().optional(),
  /** What a finished job reports, e.g. how many announcements it sent. */
  result: z.unknown().optional(),
  attempts: z.number(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobListQuery = ListQuery.extend({
  sort: z.enum(['createdAt', 'type', 'status']).default('createdAt'),
  status: JobStatus.optional(),
  type: z.string().max(100).optional(),
});

export const JobAccepted = z.object({ jobId: z.string() });
