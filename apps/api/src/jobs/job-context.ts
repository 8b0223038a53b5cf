import type { JobRecords } from './job-records';

export class JobCancelledError extends Error {
  constructor() {
    super('Cancelled by an operator');
  }
}

/**
 * What a handler gets besides its payload. Steps are idempotent by contract: after a worker
 * crash the job runs again and steps that already succeeded are skipped.
 */
export class JobContext {
  constructor(
    readonly runId: string,
    private readonly records: JobRecords,
    private readonly stepNames: string[],
    private readonly completed: Set<string>,
  ) {}

  async step<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    if (!this.stepNames.includes(name)) throw new Error(`Step "${name}" is not in this job's plan`);
    if (this.completed.has(name)) return undefined;
    if (await this.records.cancelRequested(this.runId)) throw new JobCancelledError();
    await this.records.stepStarted(this.runId, name);
    try {
      const result = await work();
      this.completed.add(name);
      await this.records.stepSucceeded(this.runId, name, Math.round((this.completed.size / this.stepNames.length) * 100));
      return result;
    } catch (error) {
      await this.records.stepFailed(this.runId, name, errorMessage(error));
      throw error;
    }
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
