import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from './job-types';

export const JOB_HANDLER_KEY = 'hearth:job-handler';

export interface JobHandlerMeta<N extends JobName = JobName> {
  name: N;
  /** The plan: step names in order, shown (pending) as soon as the job is queued. */
  steps: (payload: JobPayloads[N]) => string[];
}

/** Marks a service method as the handler of one job; the worker finds them at boot. */
export const JobHandler = <N extends JobName>(name: N, steps: string[] | ((payload: JobPayloads[N]) => string[])) =>
  SetMetadata(JOB_HANDLER_KEY, { name, steps: typeof steps === 'function' ? steps : () => steps } satisfies JobHandlerMeta<N>);
