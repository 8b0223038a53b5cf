import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { BackupTarget } from './backup-target';
import { LocalTarget } from './local.target';
import { S3Target } from './s3.target';
import { SftpTarget } from './sftp.target';
import { TargetError } from './target-error';

export type TargetKind = 'local' | 'sftp' | 's3';

export const localTargetConfig = z
  .object({
    path: z.string().max(1000).refine(isAbsolute, 'must be an absolute path'),
  })
  .strict();

export const sftpTargetConfig = z
  .object({
    host: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9._:-]+$/, 'must be a host name or an IP address'),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1).max(100),
    /** A relative path is relative to the login directory. */
    path: z.string().min(1).max(1000),
    /** Left out, any host key is accepted and test() reports it for pinning. */
    hostKeySha256: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a fingerprint as ssh-keygen -lf prints it (SHA256:...)')
      .optional(),
  })
  .strict();

export const sftpTargetSecrets = z
  .object({
    password: z.string().min(1).max(1024).optional(),
    /** OpenSSH, PEM or PuTTY format. */
    privateKey: z.string().min(1).max(16_000).optional(),
    passphrase: z.string().min(1).max(1024).optional(),
  })
  .strict()
  .refine((secrets) => secrets.password !== undefined || secrets.privateKey !== undefined, 'needs a password or a private key');

/** As @hearth/contracts' S3TargetConfig. */
export const s3TargetConfig = z
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

export const s3TargetSecrets = z.object({ secretAccessKey: z.string().min(1).max(500) }).strict();

/** A target from its stored settings and opened secrets; the caller closes it. */
export function openTarget(kind: TargetKind, config: unknown, secrets: Record<string, string>): BackupTarget {
  switch (kind) {
    case 'local':
      return new LocalTarget(parse(kind, 'settings', localTargetConfig, config));
    case 'sftp':
      return new SftpTarget(parse(kind, 'settings', sftpTargetConfig, config), parse(kind, 'credentials', sftpTargetSecrets, secrets));
    case 's3':
      return new S3Target(parse(kind, 'settings', s3TargetConfig, config), parse(kind, 'credentials', s3TargetSecrets, secrets));
  }
}

/** Only the fields and what is wrong with them are reported, never the values (they may be secrets). */
function parse<T>(kind: TargetKind, what: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || what}: ${issue.message}`).join('; ');
  throw new TargetError('backup_target/failed', `The ${kind} target's ${what} are invalid (${problems})`);
}
