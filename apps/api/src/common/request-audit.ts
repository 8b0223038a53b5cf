import type { FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor';

/** The instance is the audit target; what was acted on and the moderator's reason are the detail. */
export function audit(request: FastifyRequest, instanceId: string, detail: Record<string, unknown>): void {
  request.audit = { ...request.audit, targetId: instanceId, detail: { ...request.audit?.detail, ...detail } };
}

export function operatorOf(request: FastifyRequest): string {
  return (request.actor as Actor).operatorId;
}
