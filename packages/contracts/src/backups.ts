import { z } from 'zod';
import { ListQuery, Uuid } from './common.js';
import { Reason } from './instance-users.js';
import { InstanceKind, InstanceName } from './instances.js';

/** An age X25519 public key; the private key (identity) stays with the operator. */
export const AgeRecipientKey = z
  .string()
  .trim()
  .regex(/^age1[02-9ac-hj-np-z]{58}$/, 'must be an age public key (age1 followed by 58 characters)');

/** An age identity file: one or more AGE-SECRET-KEY-1... lines, comments allowed. Held in memory for one job only. */
export const AgeIdentityText = z.string().min(10).max(20_000);

export const BackupRecipient = z.object({
  id: z.string(),
  name: z.string(),
  publicKey: z.string(),
  /** Schedules encrypting to it. */
  schedules: z.number(),
  createdAt: z.string(),
});
export type BackupRecipient = z.infer<typeof BackupRecipient>;

export const CreateBackupRecipientRequest = z.object({ name: z.string().trim().min(1).max(100), publicKey: AgeRecipientKey }).strict();

export const BackupTargetKind = z.enum(['local', 'sftp', 's3']);
export type BackupTargetKind = z.infer<typeof BackupTargetKind>;

const RemotePath = z.string().trim().min(1).max(1000);

export const LocalTargetConfig = z.object({ path: RemotePath.refine((p) => p.startsWith('/'), 'must be an absolute path') }).strict();
export const SftpTargetConfig = z
  .object({
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().trim().min(1).max(100),
    path: RemotePath,
    /** SHA256:... as `ssh-keygen -lf` prints it; unset: pinned at the first successful connection. */
    hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must look like SHA256:... (ssh-keygen -lf)').optional(),
  })
  .strict();
export const SftpTargetSecrets = z
  .object({ password: z.string().min(1).max(1000).optional(), privateKey: z.string().min(1).max(20_000).optional(), passphrase: z.string().max(1000).optional() })
  .strict()
  .refine((s) => s.password || s.privateKey, 'give a password or a private key');

/** An S3-compatible bucket (AWS, MinIO, Garage, Backblaze B2, Wasabi...), reached at `endpoint` with Signature V4. */
export const S3TargetConfig = z
  .object({
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000),
    region: z.string().trim().min(1).max(64).default('us-east-1'),
    bucket: z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name'),
    /** Keys are written below this prefix ('' for the bucket's root). */
    prefix: z.string().trim().max(500).default(''),
    accessKeyId: z.string().trim().min(1).max(200),
    /** Bucket in the path (most self-hosted servers) rather than in the host name. */
    pathStyle: z.boolean().default(true),
  })
  .strict();
export const S3TargetSecrets = z.object({ secretAccessKey: z.string().min(1).max(500) }).strict();

export const CreateBackupTargetRequest = z.discriminatedUnion('kind', [
  z.object({ name: z.string().trim().min(1).max(100), kind: z.literal('local'), config: LocalTargetConfig }).strict(),
  z.object({ name: z.string().trim().min(1).max(100), kind: z.literal('sftp'), config: SftpTargetConfig, secrets: SftpTargetSecrets }).strict(),
  z.object({ name: z.string().trim().min(1).max(100), kind: z.literal('s3'), config: S3TargetConfig, secrets: S3TargetSecrets }).strict(),
]);
export type CreateBackupTargetRequest = z.output<typeof CreateBackupTargetRequest>;

export const BackupTarget = z.object({
  id: z.string(),
  name: z.string(),
  kind: BackupTargetKind,
  /** Non-secret settings; secrets are never returned. */
  config: z.record(z.string(), z.unknown()),
  hasSecrets: z.boolean(),
  lastCheckAt: z.string().nullable(),
  lastCheckOk: z.boolean().nullable(),
  lastCheckDetail: z.string().nullable(),
  createdAt: z.string(),
});
export type BackupTarget = z.infer<typeof BackupTarget>;

export const BackupTargetCheck = z.object({ ok: z.boolean(), detail: z.string(), hostKeySha256: z.string().nullable(), freeBytes: z.number().nullable(), code: z.string().nullable() });
export type BackupTargetCheck = z.infer<typeof BackupTargetCheck>;

/** How many backups survive pruning: the newest `last`, plus the newest of each of the latest days, weeks and months. */
export const KeepRules = z
  .object({
    keepLast: z.number().int().min(1).max(1000).default(7),
    keepDaily: z.number().int().min(0).max(1000).default(7),
    keepWeekly: z.number().int().min(0).max(1000).default(4),
    keepMonthly: z.number().int().min(0).max(1000).default(6),
  })
  .strict();

export const CreateBackupScheduleRequest = z
  .object({
    instanceId: Uuid,
    targetId: Uuid,
    recipientIds: z.array(Uuid).min(1, 'encrypt to at least one recipient').max(20),
    /** Five fields: minute hour day-of-month month day-of-week. */
    cron: z.string().trim().min(9).max(100),
    timezone: z.string().trim().min(1).max(64).default('UTC'),
    enabled: z.boolean().default(true),
  })
  .extend(KeepRules.shape)
  .strict();
export type CreateBackupScheduleRequest = z.output<typeof CreateBackupScheduleRequest>;

export const UpdateBackupScheduleRequest = z
  .object({
    targetId: Uuid.optional(),
    recipientIds: z.array(Uuid).min(1).max(20).optional(),
    cron: z.string().trim().min(9).max(100).optional(),
    timezone: z.string().trim().min(1).max(64).optional(),
    enabled: z.boolean().optional(),
    keepLast: z.number().int().min(1).max(1000).optional(),
    keepDaily: z.number().int().min(0).max(1000).optional(),
    keepWeekly: z.number().int().min(0).max(1000).optional(),
    keepMonthly: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

export const BackupSchedule = z.object({
  id: z.string(),
  instanceId: z.string(),
  instanceName: z.string(),
  targetId: z.string(),
  targetName: z.string(),
  recipientIds: z.array(z.string()),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  keepLast: z.number(),
  keepDaily: z.number(),
  keepWeekly: z.number(),
  keepMonthly: z.number(),
  nextRunAt: z.string().nullable(),
  lastBackupAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  createdAt: z.string(),
});
export type BackupSchedule = z.infer<typeof BackupSchedule>;

/** running: being written; verified: the stored object was read back and matched; failed; pruned: deleted by the keep rules. */
export const BackupStatus = z.enum(['running', 'verified', 'failed', 'pruned']);

export const Backup = z.object({
  id: z.string(),
  instanceId: z.string().nullable(),
  instanceName: z.string(),
  kind: InstanceKind,
  domain: z.string(),
  targetId: z.string(),
  targetName: z.string(),
  scheduleId: z.string().nullable(),
  status: BackupStatus,
  trigger: z.string(),
  objectKey: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  sha256: z.string().nullable(),
  recipients: z.array(z.string()),
  fileCount: z.number().nullable(),
  accountCount: z.number().nullable(),
  contentBytes: z.number().nullable(),
  serverVersion: z.string().nullable(),
  hearthVersion: z.string(),
  jobId: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  verifiedAt: z.string().nullable(),
  lastCheckAt: z.string().nullable(),
  lastCheckOk: z.boolean().nullable(),
  lastDrillAt: z.string().nullable(),
  lastDrillOk: z.boolean().nullable(),
  lastDrillDetail: z.string().nullable(),
});
export type Backup = z.infer<typeof Backup>;

export const BackupListQuery = ListQuery.extend({
  sort: z.enum(['startedAt', 'sizeBytes', 'status', 'instanceName']).default('startedAt'),
  instanceId: Uuid.optional(),
  status: BackupStatus.optional(),
});

export const StartBackupRequest = z
  .object({ instanceId: Uuid, targetId: Uuid, recipientIds: z.array(Uuid).min(1, 'encrypt to at least one recipient').max(20), reason: Reason.optional() })
  .strict();

/**
 * same: replaces the instance's data (its current state is set aside first and comes back if the
 * restored server does not come up); new: a new instance named `name` from the backup.
 */
export const RestoreBackupRequest = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('same'), identity: AgeIdentityText, confirm: z.string(), reason: Reason.optional() }).strict(),
  z.object({ mode: z.literal('new'), identity: AgeIdentityText, name: InstanceName, reason: Reason.optional() }).strict(),
]);
export type RestoreBackupRequest = z.output<typeof RestoreBackupRequest>;

export const DrillBackupRequest = z.object({ identity: AgeIdentityText }).strict();

export const DeleteBackupQuery = z.object({ confirm: z.string(), reason: Reason.optional() });

export const BackupAccepted = z.object({ id: z.string(), jobId: z.string() });
export type BackupAccepted = z.infer<typeof BackupAccepted>;
