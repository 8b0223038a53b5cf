import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { OpenReportList, ReportAction, RoomListQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { OperableInstances } from '../accounts/operable-instances';
import { PrismaService } from '../database/prisma.service';
import type { EventReport } from '../drivers/driver';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { capabilitiesOf } from '../instances/instance-view';
import { asApiCall, toApiError } from '../instances/driver-errors';
import { JobsService } from '../jobs/jobs.service';

// The cross-server queue reads this many of each server's newest reports.
const QUEUE_PER_SERVER = 100;

/** Rooms and reports of the homeservers (Synapse today), through their drivers. */
@Injectable()
export class ModerationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly operable: OperableInstances,
    private readonly jobs: JobsService,
  ) {}

  async rooms(instanceId: string, query: z.output<typeof RoomListQuery>) {
    const { driver, context } = await this.operable.get(instanceId, 'rooms');
    const page = await asApiCall(() => driver.listRooms!(context, { q: query.q, offset: (query.page - 1) * query.perPage, limit: query.perPage }));
    return { data: page.items, total: page.total };
  }

  async room(instanceId: string, roomId: string) {
    const { driver, context } = await this.operable.get(instanceId, 'rooms');
    return asApiCall(() => driver.room!(context, roomId));
  }

  async setBlocked(instanceId: string, roomId: string, blocked: boolean) {
    const { driver, context } = await this.operable.get(instanceId, 'rooms');
    await asApiCall(() => driver.setRoomBlocked!(context, roomId, blocked));
    return this.room(instanceId, roomId);
  }

  async makeRoomAdmin(instanceId: string, roomId: string, username: string) {
    const { driver, context } = await this.operable.get(instanceId, 'rooms');
    await asApiCall(() => driver.makeRoomAdmin!(context, roomId, username));
    return this.room(instanceId, roomId);
  }

  /** Deleting and purging run in the server's background: a job follows them to the end. */
  async deleteRoom(instanceId: string, roomId: string, confirm: string, block: boolean, createdById: string): Promise<{ id: string; jobId: string }> {
    assertConfirmed(roomId, confirm);
    await this.room(instanceId, roomId);
    const jobId = await this.jobs.enqueue('room.delete', { instanceId, roomId, block }, { createdById, targetType: 'instance', targetId: instanceId });
    return { id: instanceId, jobId };
  }

  async purgeHistory(instanceId: string, roomId: string, before: string, confirm: string, createdById: string): Promise<{ id: string; jobId: string }> {
    assertConfirmed(roomId, confirm);
    if (new Date(before) > new Date()) throw new HearthError('request/invalid', 'before must not be in the future');
    await this.room(instanceId, roomId);
    const jobId = await this.jobs.enqueue('room.purge-history', { instanceId, roomId, before }, { createdById, targetType: 'instance', targetId: instanceId });
    return { id: instanceId, jobId };
  }

  async reports(instanceId: string, page: number, perPage: number) {
    const { driver, context } = await this.operable.get(instanceId, 'reports');
    const found = await asApiCall(() => driver.listReports!(context, { offset: (page - 1) * perPage, limit: perPage }));
    return { data: found.items.map(reportView), total: found.total };
  }

  async report(instanceId: string, reportId: string) {
    const { driver, context } = await this.operable.get(instanceId, 'reports');
    const detail = await asApiCall(() => driver.report!(context, reportId));
    return { ...reportView(detail), event: detail.event };
  }

  /**
   * Acts on a report, then takes it off the server's queue. The action comes first: if it fails,
   * the report stays open for another try.
   */
  async resolve(instanceId: string, reportId: string, action: z.output<typeof ReportAction>, reason: string | undefined): Promise<{ id: string; action: typeof action }> {
    const { driver, context, row } = await this.operable.get(instanceId, 'reports');
    const report = await asApiCall(() => driver.report!(context, reportId));
    await asApiCall(async () => {
      if (action === 'delete-event') return driver.redactEvent!(context, report.roomId, report.eventId, reason);
      if (action === 'block-room') return driver.setRoomBlocked!(context, report.roomId, true);
      if (action === 'deactivate-user') {
        const local = report.sender?.endsWith(`:${row.domain}`) ? report.sender.slice(1, -(row.domain.length + 1)) : undefined;
        if (!local) throw new HearthError('request/invalid', `${report.sender ?? 'The sender'} is not an account of this server; block the room or keep their server out instead`);
        return driver.deactivateUser!(context, local);
      }
    });
    await asApiCall(() => driver.dismissReport!(context, reportId));
    return { id: reportId, action };
  }

  /** The moderators' queue across servers; a server that can't answer now is named, not hidden. */
  async openReports(): Promise<z.output<typeof OpenReportList>> {
    const rows = await this.prisma.instance.findMany({ orderBy: { name: 'asc' } });
    const withReports = rows.filter((row) => capabilitiesOf(row, this.host.findDriver(row.kind)).includes('reports'));
    const data: z.output<typeof OpenReportList>['data'] = [];
    const unavailable: z.output<typeof OpenReportList>['unavailable'] = [];
    await Promise.all(
      withReports.map(async (row) => {
        try {
          const { driver, context } = await this.operable.get(row.id, 'reports');
          const page = await driver.listReports!(context, { offset: 0, limit: QUEUE_PER_SERVER });
          data.push(...page.items.map((report) => ({ ...reportView(report), instanceId: row.id, instanceName: row.name })));
        } catch (error) {
          const failure = toApiError(error);
          unavailable.push({ instanceId: row.id, instanceName: row.name, message: failure instanceof Error ? failure.message : String(failure) });
        }
      }),
    );
    data.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    unavailable.sort((a, b) => a.instanceName.localeCompare(b.instanceName));
    return { data, total: data.length, unavailable };
  }

  async announce(instanceId: string, text: string, usernames: string[] | undefined, createdById: string): Promise<{ id: string; jobId: string }> {
    await this.operable.get(instanceId, 'server-notices');
    const jobId = await this.jobs.enqueue('instance.announce', { instanceId, text, ...(usernames ? { usernames } : {}) }, { createdById, targetType: 'instance', targetId: instanceId });
    return { id: instanceId, jobId };
  }
}

function assertConfirmed(roomId: string, confirm: string): void {
  if (confirm.trim() !== roomId) throw new HearthError('room/confirmation_mismatch', 'Repeat the room id exactly to confirm');
}

function reportView(report: EventReport) {
  return {
    id: report.id,
    receivedAt: report.receivedAt.toISOString(),
    roomId: report.roomId,
    roomName: report.roomName,
    eventId: report.eventId,
    reporter: report.reporter,
    sender: report.sender,
    reason: report.reason,
    score: report.score,
  };
}
