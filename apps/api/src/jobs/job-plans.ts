import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { JOB_HANDLER_KEY, type JobHandlerMeta } from './job-handler.decorator';
import { JOB_NAMES, type JobName, type JobPayloads } from './job-types';
import type { JobContext } from './job-context';

export interface HandlerEntry {
  meta: JobHandlerMeta;
  /** `context` is undefined for unrecorded jobs, which have no steps. */
  run: (payload: unknown, context: JobContext | undefined) => Promise<unknown>;
}

/**
 * Finds every @JobHandler method among the app's providers. Both the API (to write a job's
 * plan when it is queued) and the worker (to run it) use this one registry.
 */
@Injectable()
export class JobPlans {
  private handlers?: Map<string, HandlerEntry>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  all(): Map<string, HandlerEntry> {
    this.handlers ??= this.discover();
    return this.handlers;
  }

  steps<N extends JobName>(name: N, payload: JobPayloads[N]): string[] {
    const entry = this.all().get(name);
    if (!entry) throw new Error(`No handler for job ${name}`);
    return entry.meta.steps(payload as never);
  }

  /** The worker must not start while a declared job has no handler, or a handler no declaration. */
  assertComplete(): void {
    const found = this.all();
    const missing = JOB_NAMES.filter((name) => !found.has(name));
    const unknown = [...found.keys()].filter((name) => !(JOB_NAMES as string[]).includes(name));
    if (missing.length || unknown.length) {
      throw new Error(`Job handlers incomplete: missing [${missing.join(', ')}], undeclared [${unknown.join(', ')}]`);
    }
  }

  private discover(): Map<string, HandlerEntry> {
    const handlers = new Map<string, HandlerEntry>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method] as (...args: unknown[]) => Promise<unknown>;
        const meta = this.reflector.get<JobHandlerMeta | undefined>(JOB_HANDLER_KEY, fn);
        if (!meta) continue;
        if (handlers.has(meta.name)) throw new Error(`Two handlers for job ${meta.name}`);
        handlers.set(meta.name, { meta, run: (payload, context) => fn.call(instance, payload, context) });
      }
    }
    return handlers;
  }
}
