import type { z } from 'zod';
import type {
  Backup,
  BackupAccepted,
  BackupRecipient,
  BackupSchedule,
  BackupTarget,
  BackupTargetCheck,
  CreateBackupRecipientRequest,
  CreateBackupScheduleRequest,
  CreateBackupTargetRequest,
  ListResponse,
  RestoreBackupRequest,
  StartBackupRequest,
  UpdateBackupScheduleRequest,
} from '@hearth/contracts';
import { api } from '../api/http';

const id = (value: string) => encodeURIComponent(value);

/** What starting a restore answers: the instance it restores into (a new one, for mode `new`). */
export type RestoreAccepted = BackupAccepted & { instanceId: string };

/**
 * Backups beyond react-admin's list and show pages: their recipients, targets and schedules, and
 * the jobs run on them. Like the data provider's actions these throw react-admin's HttpError.
 * Requests carrying an identity (a private key) are made by useRequest, never a react-query
 * mutation, whose cache would keep what was sent.
 */
export const backupsApi = {
  recipients: (signal?: AbortSignal) => api<ListResponse<BackupRecipient>>('/backup-recipients', { signal }),
  addRecipient: (body: z.input<typeof CreateBackupRecipientRequest>) => api<BackupRecipient>('/backup-recipients', { method: 'POST', body }),
  removeRecipient: (recipientId: string) => api<void>(`/backup-recipients/${id(recipientId)}`, { method: 'DELETE' }),

  targets: (signal?: AbortSignal) => api<ListResponse<BackupTarget>>('/backup-targets', { signal }),
  addTarget: (body: z.input<typeof CreateBackupTargetRequest>) => api<BackupTarget>('/backup-targets', { method: 'POST', body }),
  removeTarget: (targetId: string) => api<void>(`/backup-targets/${id(targetId)}`, { method: 'DELETE' }),
  /** Writes, reads back and deletes a probe; pins an SFTP server's host key at the first success. */
  checkTarget: (targetId: string) => api<BackupTargetCheck>(`/backup-targets/${id(targetId)}/check`, { method: 'POST' }),

  schedules: (instanceId: string, signal?: AbortSignal) => api<ListResponse<BackupSchedule>>('/backup-schedules', { query: { instanceId }, signal }),
  addSchedule: (body: z.input<typeof CreateBackupScheduleRequest>) => api<BackupSchedule>('/backup-schedules', { method: 'POST', body }),
  updateSchedule: (scheduleId: string, body: z.input<typeof UpdateBackupScheduleRequest>) =>
    api<BackupSchedule>(`/backup-schedules/${id(scheduleId)}`, { method: 'PATCH', body }),
  removeSchedule: (scheduleId: string) => api<void>(`/backup-schedules/${id(scheduleId)}`, { method: 'DELETE' }),

  latest: (instanceId: string, perPage: number, signal?: AbortSignal) =>
    api<ListResponse<Backup>>('/backups', { query: { instanceId, page: 1, perPage, sort: 'startedAt', order: 'DESC' }, signal }),
  start: (body: z.input<typeof StartBackupRequest>) => api<BackupAccepted>('/backups', { method: 'POST', body }),
  /** Reads the stored object back and compares it with the record; needs no key. */
  verify: (backupId: string) => api<BackupAccepted>(`/backups/${id(backupId)}/verify`, { method: 'POST' }),
  restore: (backupId: string, body: RestoreBackupRequest) => api<RestoreAccepted>(`/backups/${id(backupId)}/restore`, { method: 'POST', body }),
  drill: (backupId: string, identity: string) => api<BackupAccepted>(`/backups/${id(backupId)}/drill`, { method: 'POST', body: { identity } }),
  /** `confirm` is the first 8 characters of the backup's id. */
  remove: (backupId: string, confirm: string, reason?: string) => api<void>(`/backups/${id(backupId)}`, { method: 'DELETE', query: { confirm, reason } }),
};

export const backupKeys = {
  all: ['hearth', 'backups'] as const,
  recipients: () => [...backupKeys.all, 'recipients'] as const,
  targets: () => [...backupKeys.all, 'targets'] as const,
  ofInstance: (instanceId: string) => [...backupKeys.all, 'instance', instanceId] as const,
  schedules: (instanceId: string) => [...backupKeys.ofInstance(instanceId), 'schedules'] as const,
  latest: (instanceId: string) => [...backupKeys.ofInstance(instanceId), 'latest'] as const,
};
