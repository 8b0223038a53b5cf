/** The console's addresses of moderation pages; ids go encoded (room ids hold "!" and ":"). */
export const REPORTS_PATH = '/reports';

export function reportPath(instanceId: string, reportId: string): string {
  return `${REPORTS_PATH}/${encodeURIComponent(instanceId)}/${encodeURIComponent(reportId)}`;
}

export function roomsPath(instanceId: string): string {
  return `/instances/${encodeURIComponent(instanceId)}/rooms`;
}

export function roomPath(instanceId: string, roomId: string): string {
  return `${roomsPath(instanceId)}/${encodeURIComponent(roomId)}`;
}

/** Whether a Matrix user id (@alice:family.example) belongs to the server of `domain`. */
export function isLocalUser(userId: string | null, domain: string): boolean {
  return userId?.endsWith(`:${domain}`) ?? false;
}

/** The user name part of a local Matrix user id: @alice:family.example → alice. */
export function localPart(userId: string, domain: string): string {
  return userId.slice(1, -(domain.length + 1));
}

/** What people call a room: its name, else its address, else its id. */
export function roomLabel(room: { id: string; name: string | null; alias: string | null }): string {
  return room.name ?? room.alias ?? room.id;
}
