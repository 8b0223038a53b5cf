import { setTimeout as sleep } from 'node:timers/promises';
import type { Driver, InstanceContext, ProbeResult } from './driver';
import { DriverError } from './driver';

export interface WaitHealthyOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Probes until the instance is healthy. Fails fast, with the end of the console log, when the
 * process is gone: a server that exited on a bad config is not worth waiting for.
 */
export async function waitHealthy(driver: Driver, context: InstanceContext, options: WaitHealthyOptions = {}): Promise<ProbeResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const interval = options.intervalMs ?? 100;
  let last: ProbeResult | undefined;
  for (;;) {
    const status = await context.runtime.status(context.spec);
    if (status.state !== 'running') {
      const tail = (await context.runtime.readLogTail(context.spec, 20)).join('\n');
      throw new DriverError('driver/unavailable', `${driver.displayName} is not running. Last output:\n${tail}`);
    }
    last = await driver.probe(context.spec, { timeoutMs: Math.max(500, Math.min(5_000, deadline - Date.now())) });
    if (last.ok) return last;
    if (Date.now() >= deadline) {
      const failed = last.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
      throw new DriverError('driver/unavailable', `${driver.displayName} did not become healthy: ${failed.join('; ')}`);
    }
    await sleep(interval);
  }
}
