import type { JobRecords } from './job-records';

export class JobCancelledError extends Error {
  constructor() {
    super('Cancelled by an operator');
  }
}

// A build reports hundreds of lines; the database hears of them at most this often.
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * What a handler gets besides its payload. Steps are idempotent by contract: after a worker
 * crash the job runs again and steps that already succeeded are skipped.
 */
export class JobContext {
  private current?: string;
  private lastProgressAt = 0;

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
    this.current = name;
    this.lastProgressAt = 0;
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

  /**
   * How far the running step is (0-100) and what it is doing, for the operator's eyes: throttled,
   * and a failure to record it never fails the step.
   */
  progress(percent: number, detail: string): void {
    const name = this.current;
    const now = Date.now();
    if (!name || (now - this.lastProgressAt < PROGRESS_INTERVAL_MS && percent < 100)) return;
    this.lastProgressAt = now;
    const step = Math.max(0, Math.min(100, Math.round(percent)));
    const overall = Math.round(((this.completed.size + step / 100) / this.stepNames.length) * 100);
    this.records.stepProgress(this.runId, name, { progress: step, detail: detail.slice(0, 500) }, overall).catch(() => undefined);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
