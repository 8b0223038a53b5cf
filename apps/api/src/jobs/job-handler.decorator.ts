import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from './job-types';

export const JOB_HANDLER_KEY = 'hearth:job-handler';

export interface JobHandlerMeta<N extends JobName = JobName> {
  name: N;
  /** The plan: step names in order, shown (pending) as soon as the job is queued. */
  steps: (payload: JobPayloads[N]) => string[];
  /**
   * Recorded jobs get a JobRun with steps in PostgreSQL (operator-visible work). Frequent
   * internal jobs (health checks, alert deliveries) keep their own records instead.
   */
  recorded: boolean;
}

export interface JobHandlerOptions<N extends JobName> {
  steps?: string[] | ((payload: JobPayloads[N]) => string[]);
  recorded?: boolean;
}

/** Marks a service method as the handler of one job; the worker finds them at boot. */
export const JobHandler = <N extends JobName>(name: N, options: string[] | JobHandlerOptions<N>) => {
  const { steps = [], recorded = true } = Array.isArray(options) ? { steps: options } : options;
  return SetMetadata(JOB_HANDLER_KEY, { name, steps: typeof steps === 'function' ? steps : () => steps, recorded } satisfies JobHandlerMeta<N>);
};
