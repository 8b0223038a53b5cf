/**
 * Every job Hearth runs, with its payload. Payloads never hold secrets: those stay
 * encrypted in PostgreSQL or, for restore identities, in the worker's memory only.
 */
export interface JobPayloads {
  /** Deletes expired and revoked login sessions and long-expired API tokens. */
  'console.prune': Record<string, never>;
}

export type JobName = keyof JobPayloads;

// A record (not an array) so the compiler insists every job name is listed here.
const NAMES: Record<JobName, true> = { 'console.prune': true };
export const JOB_NAMES = Object.keys(NAMES) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(NAMES, name);
}
