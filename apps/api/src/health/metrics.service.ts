import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { JobQueue } from '../jobs/job-queue';
import { withTimeout } from '../common/with-timeout';

// A scrape must answer while Redis is down (that is when it matters); BullMQ would wait for it.
const QUEUE_COUNT_TIMEOUT_MS = 2_000;

/** Prometheus metrics: HTTP traffic, job runs by status, queue depth, and the process itself. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(prisma: PrismaService, jobQueue: JobQueue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hearth_' });
    this.httpRequests = new Counter({ name: 'hearth_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.httpDuration = new Histogram({
      name: 'hearth_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'hearth_job_runs',
      help: 'Job runs recorded, by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const groups = await prisma.jobRun.groupBy({ by: ['status'], _count: { _all: true } });
        this.reset();
        for (const g of groups) this.set({ status: g.status }, g._count._all);
      },
    });
    new Gauge({
      name: 'hearth_queue_jobs',
      help: 'Jobs in the BullMQ queue, by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await withTimeout(jobQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), QUEUE_COUNT_TIMEOUT_MS, 'queue counts').catch(() => undefined);
        // Unknown rather than stale while Redis is unreachable.
        this.reset();
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    });
  }
}
