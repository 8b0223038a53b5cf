import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditResult } from '../generated/prisma/client';
import type { AuditService } from './audit.service';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes one audit event per mutating request, including those refused by the guard or by
 * validation (which never reach an interceptor). onSend runs before the response leaves, so
 * a client that sees the response can already read its audit event.
 */
export function registerAuditHook(fastify: FastifyInstance, audit: AuditService): void {
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // Requests to routes that don't exist are no actions; recording them would let anyone flood the log.
    if (!MUTATING.has(request.method) || !request.url.startsWith('/api/') || !request.routeOptions?.url) return payload;
    const context = request.audit ?? {};
    const actor = request.actor;
    const params = (request.params ?? {}) as Record<string, string>;
    // Only objects: redaction works by field name, and an array's items have none.
    const body = (request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? request.body : {}) as Record<string, unknown>;
    const query = (request.query ?? {}) as Record<string, unknown>;
    await audit.record({
      actorKind: actor ? actor.kind : context.actorId ? 'operator' : 'anonymous',
      actorId: actor?.operatorId ?? context.actorId,
      actorEmail: actor?.email ?? context.actorEmail,
      action: context.action ?? `${request.method} ${request.routeOptions.url}`,
      targetType: context.targetType,
      targetId: context.targetId ?? params.id,
      reason: context.reason ?? stringOrUndefined(body.reason) ?? stringOrUndefined(query.reason),
      result: resultOf(reply.statusCode, context.deniedByGuard),
      statusCode: reply.statusCode,
      detail: context.detail ?? (Object.keys(body).length ? { body } : undefined),
      requestId: request.id,
    });
    return payload;
  });
}

function resultOf(status: number, deniedByGuard = false): AuditResult {
  // Refused by the guard, or by a service's own permission check (403); a failed login stays a failure.
  if (deniedByGuard || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failure';
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 500) : undefined;
}
