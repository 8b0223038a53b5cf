import { z } from 'zod';
import { IsoDate, ListQuery } from './common.js';

export const AuditResult = z.enum(['success', 'failure', 'denied']);

export const AuditEvent = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  actorKind: z.enum(['operator', 'token', 'system', 'anonymous']),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  reason: z.string().nullable(),
  result: AuditResult,
  statusCode: z.number().nullable(),
  detail: z.unknown().nullable(),
  /** Joins the event to the server's log lines of the same request. */
  requestId: z.string().nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditListQuery = ListQuery.extend({
  sort: z.enum(['at', 'action']).default('at'),
  action: z.string().max(100).optional(),
  actorId: z.string().uuid().optional(),
  result: AuditResult.optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(200).optional(),
  since: IsoDate.optional(),
  until: IsoDate.optional(),
});
