import { Inject, Injectable } from '@nestjs/common';
import { type PolicyKnobs, type PrivacyReport, type PrivacyReportRow, SERVER_KNOBS, type ServerKnob } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { DAY_MS } from '../common/time';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Driver, FederationPolicy, InstanceContext, InstanceSettings, KnobReading } from '../drivers/driver';
import { FEDERATION_CLOSED, describePolicy, samePolicy } from '../drivers/federation-policy';
import { retentionOf, sameKnob } from '../drivers/retention';
import type { Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { errorMessage } from '../jobs/job-context';
import { consoleRetention } from './console-retention';
import { CONSOLE_KNOB_TEXT, SERVER_KNOB_TEXT, describeKnob } from './knobs';

// Hearth's own pruning runs hourly to daily: a record this much older than its limit means it is not working.
const CONSOLE_GRACE_MS = 2 * DAY_MS;
const NOT_RUNNING = new Set(['provisioning', 'stopped', 'failed']);

/**
 * The privacy report: for every knob, what the instance's policy wants, what the running server
 * does (read back from it, never from Hearth's settings), and what keeping it reveals.
 */
@Injectable()
export class PrivacyReportService {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
  ) {}

  async report(instanceId: string): Promise<PrivacyReport> {
    return (await this.check(instanceId)).report;
  }

  /** The report, and whether the server could not be read at all (then its rows say so, but it is no drift to alert about). */
  async check(instanceId: string): Promise<{ report: PrivacyReport; unreadable: boolean }> {
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId }, include: { retentionPolicy: true } });
    if (!row) throw new HearthError('instance/not_found');
    const driver = this.host.driver(row.kind);
    const policyKnobs = row.retentionPolicy?.knobs as PolicyKnobs | undefined;
    const wanted = policyKnobs ?? { ...retentionOf({ settings: row.settings as InstanceSettings }, driver.retentionDefaults), federation: (row.settings as InstanceSettings).federation ?? FEDERATION_CLOSED };
    const { context } = this.host.context(row);
    const readable = this.whyUnreadable(row);
    const readings = readable ? undefined : await this.read(driver, context);

    const rows: PrivacyReportRow[] = SERVER_KNOBS.map((knob) => this.serverRow(knob, wanted[knob], driver, readable, readings));
    rows.push(await this.federationRow(driver, context, wanted.federation, readable));
    rows.push(...(await this.consoleRows()));
    const count = (status: PrivacyReportRow['status']) => rows.filter((r) => r.status === status).length;
    const report: PrivacyReport = {
      instanceId: row.id,
      instanceName: row.name,
      kind: row.kind,
      domain: row.domain,
      policy: row.retentionPolicy ? { id: row.retentionPolicy.id, name: row.retentionPolicy.name } : null,
      generatedAt: new Date().toISOString(),
      rows,
      summary: { ok: count('ok'), drift: count('drift'), unsupported: count('unsupported') },
    };
    return { report, unreadable: Boolean(readable) || readings instanceof Error };
  }

  /** The report as Markdown, for the community's privacy notice. */
  markdown(report: PrivacyReport): string {
    const cell = (text: string | null) => (text ?? '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const lines = [
      `# What ${report.domain} keeps about you`,
      '',
      `Server: ${report.instanceName} (${report.kind}). Policy: ${report.policy?.name ?? 'none (Hearth defaults)'}. Checked ${report.generatedAt}.`,
      '',
      '| What | Kept | Status | What it reveals |',
      '| --- | --- | --- | --- |',
      ...report.rows.map((r) => `| ${cell(r.label)} | ${cell(r.status === 'unsupported' ? r.wanted : (r.actual ?? r.wanted))} | ${r.status}${r.status === 'ok' ? '' : `: ${cell(r.detail)}`} | ${cell(r.reveals)} |`),
      '',
      `${report.summary.ok} as the policy says, ${report.summary.drift} drifted, ${report.summary.unsupported} not supported by this server.`,
      '',
    ];
    return lines.join('\n');
  }

  private serverRow(knob: ServerKnob, wanted: unknown, driver: Driver, unreadable: string | undefined, readings: Partial<Record<ServerKnob, KnobReading>> | Error | undefined): PrivacyReportRow {
    const text = SERVER_KNOB_TEXT[knob];
    const base = { knob, label: text.label, wanted: describeKnob(knob, wanted), reveals: text.reveals };
    const unsupported = driver.unsupportedKnobs[knob];
    if (unsupported) return { ...base, actual: null, status: 'unsupported', detail: unsupported };
    if (unreadable) return { ...base, actual: null, status: 'drift', detail: unreadable };
    if (readings instanceof Error) return { ...base, actual: null, status: 'drift', detail: `Could not read it back: ${readings.message}` };
    const reading = readings?.[knob];
    if (!reading) return { ...base, actual: null, status: 'unsupported', detail: `Hearth cannot read this back from ${driver.displayName}` };
    const ok = sameKnob(reading.value, wanted as never);
    return { ...base, actual: describeKnob(knob, reading.value), status: ok ? 'ok' : 'drift', detail: reading.detail };
  }

  private async federationRow(driver: Driver, context: InstanceContext, wanted: FederationPolicy, unreadable: string | undefined): Promise<PrivacyReportRow> {
    const base = { knob: 'federation', label: 'Federation (which servers it talks to)', wanted: describePolicy(wanted), reveals: 'Open federation tells other servers who is here and which rooms they share; each remote server keeps its own copy of what it receives.' };
    if (!driver.effectiveFederation || !(driver.federationModes ?? []).includes(wanted.mode)) {
      return { ...base, actual: null, status: 'unsupported', detail: `${driver.displayName} can enforce ${(driver.federationModes ?? []).join(', ') || 'no federation policy'}` };
    }
    if (unreadable) return { ...base, actual: null, status: 'drift', detail: unreadable };
    try {
      const read = await driver.effectiveFederation(context);
      return { ...base, actual: describePolicy(read.policy), status: read.policy && samePolicy(read.policy, wanted) ? 'ok' : 'drift', detail: read.detail };
    } catch (error) {
      return { ...base, actual: null, status: 'drift', detail: `Could not read it back: ${errorMessage(error)}` };
    }
  }

  /** Hearth's own records: checked by their oldest entry, which the hourly purge keeps within the limit. */
  private async consoleRows(): Promise<PrivacyReportRow[]> {
    const wanted = await consoleRetention(this.prisma, this.config);
    const owner = wanted.policy ? `the console policy "${wanted.policy.name}"` : 'Hearth\'s defaults (no console policy)';
    const oldest = async (find: () => Promise<{ at: Date } | null>) => (await find())?.at ?? null;
    const checks: [keyof typeof CONSOLE_KNOB_TEXT, number | null, Date | null][] = [
      ['auditDays', wanted.auditDays, await oldest(() => this.prisma.auditEvent.findFirst({ orderBy: { at: 'asc' }, select: { at: true } }))],
      ['healthSampleDays', wanted.healthSampleDays, await oldest(() => this.prisma.healthSample.findFirst({ orderBy: { at: 'asc' }, select: { at: true } }))],
      ['jobDays', wanted.jobDays, await oldest(async () => {
        const run = await this.prisma.jobRun.findFirst({ where: { finishedAt: { not: null } }, orderBy: { finishedAt: 'asc' }, select: { finishedAt: true } });
        return run ? { at: run.finishedAt! } : null;
      })],
    ];
    const rows: PrivacyReportRow[] = checks.map(([knob, days, oldestAt]) => {
      const text = CONSOLE_KNOB_TEXT[knob];
      const overdue = days !== null && oldestAt !== null && Date.now() - oldestAt.getTime() > days * DAY_MS + CONSOLE_GRACE_MS;
      const age = oldestAt ? `the oldest is from ${oldestAt.toISOString().slice(0, 10)}` : 'none kept';
      return {
        knob,
        label: text.label,
        wanted: describeKnob(knob, days),
        actual: age,
        status: overdue ? 'drift' : 'ok',
        detail: overdue ? `Older than ${days} days: Hearth's purge is not keeping up` : `Set by ${owner}; ${age}`,
        reveals: text.reveals,
      };
    });
    rows.push({ knob: 'backupsKept', label: CONSOLE_KNOB_TEXT.backupsKept.label, wanted: describeKnob('backupsKept', wanted.backupsKept), actual: describeKnob('backupsKept', wanted.backupsKept), status: 'ok', detail: `Applied when each schedule prunes, set by ${owner}`, reveals: CONSOLE_KNOB_TEXT.backupsKept.reveals });
    return rows;
  }

  private async read(driver: Driver, context: InstanceContext): Promise<Partial<Record<ServerKnob, KnobReading>> | Error> {
    if (!driver.effectiveRetention) return {};
    return driver.effectiveRetention(context).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  }

  private whyUnreadable(row: Instance): string | undefined {
    if (NOT_RUNNING.has(row.status) || row.desiredState === 'stopped') return `${row.name} is ${row.desiredState === 'stopped' ? 'stopped' : row.status}: what a server does is read while it runs`;
    return undefined;
  }
}
