import assert from 'node:assert/strict';
import type { AuditEvent } from '../../src/generated/prisma/client';
import type { TestApp, TestContext } from './context';

/** Audit events, oldest first, straight from the table. */
export function auditEvents(app: TestApp, where: { action?: string; targetId?: string; actorId?: string; result?: 'success' | 'failure' | 'denied' } = {}): Promise<AuditEvent[]> {
  return app.prisma.auditEvent.findMany({ where, orderBy: { at: 'asc' } });
}

/** The newest audit event of an action (the one the request just made). */
export async function lastAudit(app: TestApp, action: string): Promise<AuditEvent> {
  const event = await app.prisma.auditEvent.findFirst({ where: { action }, orderBy: { at: 'desc' } });
  assert.ok(event, `an audit event ${action} exists`);
  return event;
}

/**
 * The file's closing checks on the audit table: one event per mutating API request sent
 * (plus those the system wrote itself), and no password, token or code anywhere in it.
 */
export async function assertAuditTrailComplete(app: TestApp, context: TestContext): Promise<void> {
  const requestEvents = await app.prisma.auditEvent.count({ where: { actorKind: { not: 'system' } } });
  assert.equal(requestEvents, context.mutatingRequests, 'one audit event per mutating API request');
  const rows = await app.prisma.$queryRaw<{ row: string }[]>`SELECT row_to_json(e)::text AS row FROM "AuditEvent" e`;
  const table = rows.map((r) => r.row).join('\n');
  assert.ok(context.secrets.size > 0);
  for (const secret of context.secrets) {
    assert.ok(!table.includes(secret), `the audit table contains a secret (${secret.slice(0, 3)}…)`);
  }
}
