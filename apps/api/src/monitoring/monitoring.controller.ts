import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { HealthSample, HealthSamplesQuery, IdParams, InstanceEvent, InstanceEventsQuery } from '@hearth/contracts';
import { Doc, RequirePermission, ValidParams, ValidQuery } from '../common/route-meta';
import { MonitoringService } from './monitoring.service';

@Controller('instances')
@RequirePermission('instances.read')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get(':id/health-samples')
  @Doc('Health samples of an instance, oldest first: the newest `limit` of the range since..until', z.object({ data: z.array(HealthSample), total: z.number() }))
  samples(@ValidParams(IdParams) params: { id: string }, @ValidQuery(HealthSamplesQuery) query: z.output<typeof HealthSamplesQuery>) {
    return this.monitoring.samples(params.id, query);
  }

  @Get(':id/events')
  @Doc('Status changes, crashes, restarts and actions of an instance, newest first', z.object({ data: z.array(InstanceEvent), total: z.number() }))
  events(@ValidParams(IdParams) params: { id: string }, @ValidQuery(InstanceEventsQuery) query: z.output<typeof InstanceEventsQuery>) {
    return this.monitoring.events(params.id, query);
  }
}
