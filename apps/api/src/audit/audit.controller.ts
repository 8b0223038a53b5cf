import { Controller, Get } from '@nestjs/common';
import { AuditEvent, AuditListQuery, IdParams } from '@hearth/contracts';
import { z } from 'zod';
import { Doc, RequirePermission, ValidParams, ValidQuery } from '../common/route-meta';
import { AuditService } from './audit.service';

@Controller('audit-events')
@RequirePermission('audit.read')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Doc('List audit events, newest first, with filters', z.object({ data: z.array(AuditEvent), total: z.number() }))
  list(@ValidQuery(AuditListQuery) query: z.output<typeof AuditListQuery>) {
    return this.audit.list(query);
  }

  @Get(':id')
  @Doc('One audit event', AuditEvent)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.audit.get(params.id);
  }
}
