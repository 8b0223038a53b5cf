import { z } from 'zod';
import { IsoDate, ListQuery, Uuid } from './common.js';
import { Reason } from './instance-users.js';

/** A Matrix room id: !opaque:server. */
export const RoomId = z.string().regex(/^![^:\s]+:\S+$/, 'must be a Matrix room id (!id:server)');

export const Room = z.object({
  id: z.string(),
  name: z.string().nullable(),
  alias: z.string().nullable(),
  members: z.number(),
  localMembers: z.number(),
  public: z.boolean(),
  encrypted: z.boolean(),
  creator: z.string().nullable(),
});
export const RoomDetail = Room.extend({ topic: z.string().nullable(), blocked: z.boolean(), memberIds: z.array(z.string()) });
export const RoomList = z.object({ data: z.array(Room), total: z.number() });
export const RoomListQuery = ListQuery.pick({ page: true, perPage: true, q: true });
export const RoomParams = z.object({ id: Uuid, roomId: RoomId });

export const BlockRoomRequest = z.object({ blocked: z.boolean(), reason: Reason.optional() }).strict();
export const MakeRoomAdminRequest = z.object({ username: z.string().min(1).max(255), reason: Reason.optional() }).strict();
/** Deleting a room removes everyone and purges it: `confirm` repeats the room id. */
export const DeleteRoomQuery = z.object({
  confirm: z.string().min(1, 'repeat the room id to confirm'),
  block: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  reason: Reason.optional(),
});
export const PurgeHistoryRequest = z.object({ before: IsoDate, confirm: z.string().min(1, 'repeat the room id to confirm'), reason: Reason.optional() }).strict();

export const Report = z.object({
  id: z.string(),
  receivedAt: z.string(),
  roomId: z.string(),
  roomName: z.string().nullable(),
  eventId: z.string(),
  reporter: z.string(),
  sender: z.string().nullable(),
  reason: z.string().nullable(),
  score: z.number().nullable(),
});
export const ReportDetail = Report.extend({ event: z.unknown() });
export const ReportList = z.object({ data: z.array(Report), total: z.number() });
export const ReportListQuery = ListQuery.pick({ page: true, perPage: true });
export const ReportParams = z.object({ id: Uuid, reportId: z.string().regex(/^\d{1,20}$/, 'must be a report number') });

/** What a moderator does about a report; the report leaves the queue afterwards. */
export const ReportAction = z.enum(['dismiss', 'delete-event', 'deactivate-user', 'block-room']);
export const ResolveReportRequest = z.object({ action: ReportAction, reason: Reason.optional() }).strict();
export const ReportResolved = z.object({ id: z.string(), action: ReportAction });

/** Open reports of every server, newest first: the moderators' queue. */
export const OpenReport = Report.extend({ instanceId: z.string(), instanceName: z.string() });
export const OpenReportList = z.object({
  data: z.array(OpenReport),
  total: z.number(),
  /** Servers whose reports could not be read just now (stopped, unreachable), by name. */
  unavailable: z.array(z.object({ instanceId: z.string(), instanceName: z.string(), message: z.string() })),
});

/** A message from the server to its accounts (all of them unless usernames are given), sent by a rate-limited job. */
export const AnnouncementRequest = z
  .object({ text: z.string().trim().min(1).max(4000), usernames: z.array(z.string().min(1).max(255)).min(1).max(10_000).optional() })
  .strict();
