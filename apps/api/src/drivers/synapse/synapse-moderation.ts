import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriverError, type EventReport, type EventReportDetail, type Page, type RoomDetail, type RoomSummary } from '../driver';
import type { SynapseAdmin } from './synapse-admin';

/** Rooms, reports, redactions and server notices through Synapse's Admin API (and, to redact, its client API). */

interface SynapseRoom {
  room_id: string;
  name?: string | null;
  topic?: string | null;
  canonical_alias?: string | null;
  joined_members?: number;
  joined_local_members?: number;
  public?: boolean;
  encryption?: string | null;
  creator?: string | null;
}

interface SynapseReport {
  id: number | string;
  received_ts: number;
  room_id: string;
  name?: string | null;
  event_id: string;
  user_id: string;
  sender?: string | null;
  reason?: string | null;
  score?: number | null;
  event_json?: unknown;
}

const POLL_MS = 250;
// Deleting or purging a big room takes a while; a family room seconds.
const BACKGROUND_TIMEOUT_MS = 10 * 60_000;

const room = (roomId: string) => encodeURIComponent(roomId);

export async function listRooms(admin: SynapseAdmin, query: { q?: string; offset: number; limit: number }): Promise<Page<RoomSummary>> {
  const search = query.q ? `&search_term=${encodeURIComponent(query.q)}` : '';
  const response = await admin.call<{ rooms: SynapseRoom[]; total_rooms: number }>(
    'GET',
    `/_synapse/admin/v1/rooms?from=${query.offset}&limit=${query.limit}&order_by=joined_members&dir=b${search}`,
  );
  return { items: response.body.rooms.map(toSummary), total: response.body.total_rooms };
}

export async function roomDetail(admin: SynapseAdmin, roomId: string): Promise<RoomDetail> {
  const found = await admin.call<SynapseRoom>('GET', `/_synapse/admin/v1/rooms/${room(roomId)}`, undefined, [200, 404]);
  if (found.status === 404) throw new DriverError('room/not_found', `No room ${roomId} on this server`);
  const [members, block] = await Promise.all([
    admin.call<{ members: string[] }>('GET', `/_synapse/admin/v1/rooms/${room(roomId)}/members`),
    admin.call<{ block: boolean }>('GET', `/_synapse/admin/v1/rooms/${room(roomId)}/block`),
  ]);
  return { ...toSummary(found.body), topic: found.body.topic ?? null, blocked: block.body.block, memberIds: [...members.body.members].sort() };
}

export async function setRoomBlocked(admin: SynapseAdmin, roomId: string, blocked: boolean): Promise<void> {
  await admin.call('PUT', `/_synapse/admin/v1/rooms/${room(roomId)}/block`, { block: blocked });
}

/** Synapse deletes in the background: start it, then follow its status until it is complete. */
export async function deleteRoom(admin: SynapseAdmin, roomId: string, block: boolean): Promise<void> {
  await roomDetail(admin, roomId);
  const started = await admin.call<{ delete_id: string }>('DELETE', `/_synapse/admin/v2/rooms/${room(roomId)}`, { block, purge: true, message: 'This room was closed by the server administrators.' });
  await follow(admin, `/_synapse/admin/v2/rooms/delete_status/${encodeURIComponent(started.body.delete_id)}`, 'complete', 'Deleting the room');
}

export async function makeRoomAdmin(admin: SynapseAdmin, roomId: string, userId: string): Promise<void> {
  const response = await admin.call('POST', `/_synapse/admin/v1/rooms/${room(roomId)}/make_room_admin`, { user_id: userId }, [200, 404]);
  if (response.status === 404) throw new DriverError('room/not_found', `No room ${roomId} on this server`);
}

export async function purgeHistory(admin: SynapseAdmin, roomId: string, before: Date): Promise<void> {
  await roomDetail(admin, roomId);
  const started = await admin.call<{ purge_id: string }>('POST', `/_synapse/admin/v1/purge_history/${room(roomId)}`, { delete_local_events: true, purge_up_to_ts: before.getTime() });
  await follow(admin, `/_synapse/admin/v1/purge_history_status/${encodeURIComponent(started.body.purge_id)}`, 'complete', 'Purging the history');
}

export async function listReports(admin: SynapseAdmin, query: { offset: number; limit: number }): Promise<Page<EventReport>> {
  const response = await admin.call<{ event_reports: SynapseReport[]; total: number }>('GET', `/_synapse/admin/v1/event_reports?from=${query.offset}&limit=${query.limit}&dir=b`);
  return { items: response.body.event_reports.map(toReport), total: response.body.total };
}

export async function reportDetail(admin: SynapseAdmin, reportId: string): Promise<EventReportDetail> {
  const response = await admin.call<SynapseReport>('GET', `/_synapse/admin/v1/event_reports/${encodeURIComponent(reportId)}`, undefined, [200, 404]);
  if (response.status === 404) throw new DriverError('report/not_found', `No report ${reportId} on this server`);
  return { ...toReport(response.body), event: response.body.event_json ?? null };
}

export async function dismissReport(admin: SynapseAdmin, reportId: string): Promise<boolean> {
  const response = await admin.call('DELETE', `/_synapse/admin/v1/event_reports/${encodeURIComponent(reportId)}`, undefined, [200, 404]);
  return response.status === 200;
}

/**
 * Synapse's Admin API has no single-event redaction: Hearth's admin account is made room admin
 * (with the power of the room's local admins), joins, redacts with the moderator's reason, and
 * leaves again, so it does not stay to read the room.
 */
export async function redactEvent(admin: SynapseAdmin, hearthUserId: string, roomId: string, eventId: string, reason: string | undefined): Promise<void> {
  await makeRoomAdmin(admin, roomId, hearthUserId);
  await admin.call('POST', `/_matrix/client/v3/rooms/${room(roomId)}/join`, {});
  try {
    await admin.call('PUT', `/_matrix/client/v3/rooms/${room(roomId)}/redact/${encodeURIComponent(eventId)}/${randomUUID()}`, reason ? { reason } : {});
  } finally {
    await admin.request('POST', `/_matrix/client/v3/rooms/${room(roomId)}/leave`, {});
  }
}

export async function sendServerNotice(admin: SynapseAdmin, userId: string, text: string): Promise<void> {
  await admin.call('POST', '/_synapse/admin/v1/send_server_notice', { user_id: userId, content: { msgtype: 'm.text', body: text } });
}

async function follow(admin: SynapseAdmin, path: string, done: string, what: string): Promise<void> {
  const deadline = Date.now() + BACKGROUND_TIMEOUT_MS;
  for (;;) {
    const status = await admin.call<{ status: string; error?: string }>('GET', path);
    if (status.body.status === done) return;
    if (status.body.status === 'failed') throw new DriverError('driver/admin_failed', `${what} failed on the server: ${status.body.error ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new DriverError('driver/admin_failed', `${what} did not finish within ${BACKGROUND_TIMEOUT_MS / 60_000} minutes (status ${status.body.status})`);
    await sleep(POLL_MS);
  }
}

function toSummary(source: SynapseRoom): RoomSummary {
  return {
    id: source.room_id,
    name: source.name ?? null,
    alias: source.canonical_alias ?? null,
    members: source.joined_members ?? 0,
    localMembers: source.joined_local_members ?? 0,
    public: Boolean(source.public),
    encrypted: Boolean(source.encryption),
    creator: source.creator ?? null,
  };
}

function toReport(source: SynapseReport): EventReport {
  return {
    id: String(source.id),
    receivedAt: new Date(source.received_ts),
    roomId: source.room_id,
    roomName: source.name ?? null,
    eventId: source.event_id,
    reporter: source.user_id,
    sender: source.sender ?? null,
    reason: source.reason ?? null,
    score: source.score ?? null,
  };
}
