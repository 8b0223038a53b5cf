import { Controller, Delete, Get, HttpCode, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AssignPolicyRequest, CreatePolicyRequest, IdParams, InstanceAccepted, PolicyKnobs, PrivacyReport, RetentionPolicy, UpdatePolicyRequest } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { audit } from '../common/request-audit';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { PoliciesService } from './policies.service';
import { PRESETS } from './presets';
import { PrivacyReportService } from './privacy-report.service';

const ReportQuery = z.object({ format: z.enum(['json', 'markdown']).default('json') });
const Preset = z.object({ id: z.string(), name: z.string(), explanation: z.string(), knobs: PolicyKnobs });

/** Retention policies, the presets they start from, and each instance's privacy report. */
@Controller()
export class RetentionController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly reports: PrivacyReportService,
  ) {}

  @Get('retention-presets')
  @RequirePermission('instances.read')
  @Doc('The presets a policy can start from, each explained in plain words', z.object({ data: z.array(Preset), total: z.number() }))
  presets() {
    const data = Object.entries(PRESETS).map(([id, preset]) => ({ id, ...preset }));
    return { data, total: data.length };
  }

  @Get('retention-policies')
  @RequirePermission('instances.read')
  @Doc('Retention policies', z.object({ data: z.array(RetentionPolicy), total: z.number() }))
  async list() {
    const data = await this.policies.list();
    return { data, total: data.length };
  }

  @Get('retention-policies/:id')
  @RequirePermission('instances.read')
  @Doc('One retention policy', RetentionPolicy)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.policies.get(params.id);
  }

  @Post('retention-policies')
  @RequirePermission('instances.manage')
  @Audit('retention_policy.create', 'retention-policy')
  @Doc("Create a policy from a preset (knobs given override it); the first policy also governs Hearth's own records", RetentionPolicy, 201)
  async create(@ValidBody(CreatePolicyRequest) body: z.output<typeof CreatePolicyRequest>, @Req() request: FastifyRequest) {
    const created = await this.policies.create(body);
    request.audit = { ...request.audit, targetId: created.id, detail: { name: created.name, preset: created.preset, knobs: created.knobs } };
    return created;
  }

  @Patch('retention-policies/:id')
  @RequirePermission('instances.manage')
  @Audit('retention_policy.update', 'retention-policy')
  @Doc('Change a policy; new knobs are applied again to every instance under it (a reconfigure job each)', z.object({ policy: RetentionPolicy, applied: z.array(z.object({ instanceId: z.string(), jobId: z.string().optional(), error: z.string().optional() })) }))
  async update(@ValidParams(IdParams) params: { id: string }, @ValidBody(UpdatePolicyRequest) body: z.output<typeof UpdatePolicyRequest>, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    const result = await this.policies.update(params.id, body, { operatorId, email });
    request.audit = { ...request.audit, detail: { changed: Object.keys(body.knobs ?? {}).sort(), console: body.console, reason: body.reason, applied: result.applied } };
    return result;
  }

  @Delete('retention-policies/:id')
  @RequirePermission('instances.manage')
  @HttpCode(204)
  @Audit('retention_policy.delete', 'retention-policy')
  @Doc('Delete a policy no instance follows and that does not govern Hearth itself')
  async remove(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const removed = await this.policies.delete(params.id);
    request.audit = { ...request.audit, detail: { name: removed.name } };
  }

  @Put('instances/:id/retention-policy')
  @RequirePermission('instances.manage')
  @HttpCode(202)
  @Audit('instance.retention_policy', 'instance')
  @Doc('Put the instance under a policy and apply it (a job: config, restart, health gate, read-back; the previous settings come back on failure)', InstanceAccepted, 202)
  async assign(@ValidParams(IdParams) params: { id: string }, @ValidBody(AssignPolicyRequest) body: z.output<typeof AssignPolicyRequest>, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    audit(request, params.id, { policyId: body.policyId, reason: body.reason });
    const accepted = await this.policies.assign(params.id, body.policyId, { operatorId, email });
    audit(request, params.id, { jobId: accepted.jobId });
    return accepted;
  }

  @Get('instances/:id/privacy-report')
  @RequirePermission('instances.read')
  @Doc('For every knob: what the policy wants, what the running server does (read back), ok/drift/unsupported, and what it reveals; ?format=markdown for a privacy notice', PrivacyReport)
  async report(@ValidParams(IdParams) params: { id: string }, @ValidQuery(ReportQuery) query: z.output<typeof ReportQuery>, @Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.reports.report(params.id);
    if (query.format === 'json') return report;
    void reply.header('content-type', 'text/markdown; charset=utf-8');
    return this.reports.markdown(report);
  }
}
