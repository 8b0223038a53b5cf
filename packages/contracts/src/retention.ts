import { z } from 'zod';
import { FederationPolicy } from './federation.js';
import { Reason } from './instance-users.js';
import { RetentionDays, ServerRetention } from './server-retention.js';

/** Hearth's own records. */
export const ConsoleRetention = z
  .object({
    /** Audit events (who did what in Hearth). */
    auditDays: RetentionDays,
    healthSampleDays: z.number().int().min(1).max(3650),
    /** Finished job runs and their steps. */
    jobDays: RetentionDays,
    /** Backups a schedule keeps at most (its keep-last rule is capped at this). */
    backupsKept: z.number().int().min(1).max(1000),
  })
  .strict();
export type ConsoleRetention = z.infer<typeof ConsoleRetention>;

export const PolicyKnobs = ServerRetention.extend({ federation: FederationPolicy }).extend(ConsoleRetention.shape).strict();
export type PolicyKnobs = z.infer<typeof PolicyKnobs>;

export const PolicyPreset = z.enum(['minimal', 'balanced', 'archive']);
export type PolicyPreset = z.infer<typeof PolicyPreset>;

export const RetentionPolicy = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** The preset it was made from (its knobs may have been changed since). */
  preset: PolicyPreset.nullable(),
  knobs: PolicyKnobs,
  /** Whether Hearth's own records follow this policy (exactly one policy does). */
  console: z.boolean(),
  instanceIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

export const CreatePolicyRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(2000).default(''),
    /** Start from a preset; `knobs` given here override it. */
    preset: PolicyPreset.optional(),
    knobs: PolicyKnobs.partial().default({}),
  })
  .strict();

export const UpdatePolicyRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().trim().max(2000).optional(),
    knobs: PolicyKnobs.partial().optional(),
    console: z.literal(true).optional(),
    reason: Reason.optional(),
  })
  .strict();

/** Puts the instance under the policy and applies it (a job: config, restart, health gate, read-back; undone on failure). */
export const AssignPolicyRequest = z.object({ policyId: z.string().uuid(), reason: Reason.optional() }).strict();

export const KnobStatus = z.enum(['ok', 'drift', 'unsupported']);

export const PrivacyReportRow = z.object({
  knob: z.string(),
  label: z.string(),
  /** What the policy asks for, in words ("7 days", "off", "never kept"). */
  wanted: z.string(),
  /** What the running server does, read back from it; null when unsupported or unreadable. */
  actual: z.string().nullable(),
  status: KnobStatus,
  /** Where the actual value was read, or why it is unsupported. */
  detail: z.string(),
  /** What this metadata reveals, and to whom. */
  reveals: z.string(),
});
export type PrivacyReportRow = z.infer<typeof PrivacyReportRow>;

export const PrivacyReport = z.object({
  instanceId: z.string(),
  instanceName: z.string(),
  kind: z.string(),
  domain: z.string(),
  policy: z.object({ id: z.string(), name: z.string() }).nullable(),
  generatedAt: z.string(),
  rows: z.array(PrivacyReportRow),
  summary: z.object({ ok: z.number(), drift: z.number(), unsupported: z.number() }),
});
export type PrivacyReport = z.infer<typeof PrivacyReport>;
