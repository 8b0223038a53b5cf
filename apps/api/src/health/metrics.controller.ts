import { Controller, Get, Header } from '@nestjs/common';
import { Doc, PublicWhen, RequirePermission } from '../common/route-meta';
import { MetricsService } from './metrics.service';

/** Served at /metrics (outside /api) where Prometheus looks by default. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @RequirePermission('console.read')
  @PublicWhen('metricsPublic')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Doc('Prometheus metrics (a bearer token, unless HEARTH_METRICS_PUBLIC=true)')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
