import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AnnouncementRequest, IdParams, InstanceAccepted, OpenReportList, ReportDetail, ReportList, ReportListQuery, ReportParams, ReportResolved, ResolveReportRequest } from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { audit, operatorOf } from '../common/request-audit';
import { ModerationService } from './moderation.service';

type Params = z.output<typeof ReportParams>;

/** Reports users filed about events, and announcements from the server. */
@Controller()
export class ReportsController {
  constructor(private readonly moderation: ModerationService) {}

  @Get('reports')
  @RequirePermission('moderation.read')
  @Doc('Open reports of every server, newest first, and the servers that could not be asked', OpenReportList)
  open() {
    return this.moderation.openReports();
  }

  @Get('instances/:id/reports')
  @RequirePermission('moderation.read')
  @Doc('The server\'s open reports, newest first', ReportList)
  list(@ValidParams(IdParams) params: { id: string }, @ValidQuery(ReportListQuery) query: z.output<typeof ReportListQuery>) {
    return this.moderation.reports(params.id, query.page, query.perPage);
  }

  @Get('instances/:id/reports/:reportId')
  @RequirePermission('moderation.read')
  @Doc('One report with the reported event as the server stores it', ReportDetail)
  get(@ValidParams(ReportParams) params: Params) {
    return this.moderation.report(params.id, params.reportId);
  }

  @Post('instances/:id/reports/:reportId/resolve')
  @RequirePermission('moderation.manage')
  @HttpCode(200)
  @Audit('report.resolve', 'instance')
  @Doc('Act on the report (dismiss, delete the event, lock its local sender, block the room) and close it', ReportResolved)
  async resolve(@ValidParams(ReportParams) params: Params, @ValidBody(ResolveReportRequest) body: z.output<typeof ResolveReportRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { reportId: params.reportId, action: body.action, reason: body.reason });
    return this.moderation.resolve(params.id, params.reportId, body.action, body.reason);
  }

  @Post('instances/:id/announcements')
  @RequirePermission('moderation.manage')
  @HttpCode(202)
  @Audit('instance.announce', 'instance')
  @Doc('Send a message from the server to every account, or to the listed ones (a paced job)', InstanceAccepted, 202)
  announce(@ValidParams(IdParams) params: { id: string }, @ValidBody(AnnouncementRequest) body: z.output<typeof AnnouncementRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { recipients: body.usernames?.length ?? 'all', length: body.text.length });
    return this.moderation.announce(params.id, body.text, body.usernames, operatorOf(request));
  }
}
