import type { z } from 'zod';
import type {
  AnnouncementRequest,
  OpenReportList,
  PurgeHistoryRequest,
  ReportAction,
  ReportDetail,
  ReportResolved,
  Room,
  RoomDetail,
  RoomList,
} from '@hearth/contracts';
import { api } from '../api/http';
import type { InstanceAccepted } from '../dataProvider';

export type OpenReports = z.infer<typeof OpenReportList>;
export type OpenReport = OpenReports['data'][number];
export type ReportWithEvent = z.infer<typeof ReportDetail>;
export type ResolveAction = z.infer<typeof ReportAction>;
export type RoomSummary = z.infer<typeof Room>;
export type RoomWithMembers = z.infer<typeof RoomDetail>;

/** What a finished announcement job reports. */
export interface AnnouncementResult {
  sent: number;
  skipped: string[];
}

const instancePath = (instanceId: string) => `/instances/${encodeURIComponent(instanceId)}`;
// Room ids (!opaque:server) carry characters a path can't, so they always go encoded.
const roomPath = (instanceId: string, roomId: string) => `${instancePath(instanceId)}/rooms/${encodeURIComponent(roomId)}`;

/**
 * Reports, rooms and announcements of the Matrix servers. Like the data provider's actions they
 * throw react-admin's HttpError on failure.
 */
export const moderationApi = {
  openReports: (signal?: AbortSignal) => api<OpenReports>('/reports', { signal }),
  report: (instanceId: string, reportId: string, signal?: AbortSignal) =>
    api<ReportWithEvent>(`${instancePath(instanceId)}/reports/${encodeURIComponent(reportId)}`, { signal }),
  /** The action runs first; the report closes only if it worked. */
  resolveReport: (instanceId: string, reportId: string, action: ResolveAction, reason?: string) =>
    api<z.infer<typeof ReportResolved>>(`${instancePath(instanceId)}/reports/${encodeURIComponent(reportId)}/resolve`, {
      method: 'POST',
      body: { action, reason },
    }),
  rooms: (instanceId: string, query: { q?: string; page: number; perPage: number }, signal?: AbortSignal) =>
    api<z.infer<typeof RoomList>>(`${instancePath(instanceId)}/rooms`, { query, signal }),
  room: (instanceId: string, roomId: string, signal?: AbortSignal) => api<RoomWithMembers>(roomPath(instanceId, roomId), { signal }),
  setRoomBlocked: (instanceId: string, roomId: string, blocked: boolean, reason?: string) =>
    api<RoomWithMembers>(`${roomPath(instanceId, roomId)}/block`, { method: 'PUT', body: { blocked, reason } }),
  makeRoomAdmin: (instanceId: string, roomId: string, username: string, reason?: string) =>
    api<RoomWithMembers>(`${roomPath(instanceId, roomId)}/make-admin`, { method: 'POST', body: { username, reason } }),
  /** Runs as a job; `confirm` repeats the room id. */
  purgeRoomHistory: (instanceId: string, roomId: string, body: z.input<typeof PurgeHistoryRequest>) =>
    api<InstanceAccepted>(`${roomPath(instanceId, roomId)}/purge-history`, { method: 'POST', body }),
  /** Runs as a job; `confirm` repeats the room id, `block` keeps it from being joined again. */
  deleteRoom: (instanceId: string, roomId: string, confirm: string, block: boolean, reason?: string) =>
    api<InstanceAccepted>(roomPath(instanceId, roomId), { method: 'DELETE', query: { confirm, block, reason } }),
  /** A paced job; its result is an AnnouncementResult. */
  announce: (instanceId: string, body: z.input<typeof AnnouncementRequest>) =>
    api<InstanceAccepted>(`${instancePath(instanceId)}/announcements`, { method: 'POST', body }),
};

/** A page's query keys, all below one prefix so a finished action can refresh every view of moderation. */
export const moderationKeys = {
  all: ['hearth', 'moderation'] as const,
  openReports: () => [...moderationKeys.all, 'reports'] as const,
  report: (instanceId: string, reportId: string) => [...moderationKeys.all, 'reports', instanceId, reportId] as const,
  rooms: (instanceId: string, query: object) => [...moderationKeys.all, 'rooms', instanceId, query] as const,
  room: (instanceId: string, roomId: string) => [...moderationKeys.all, 'rooms', instanceId, roomId] as const,
};
