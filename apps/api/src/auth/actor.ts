import type { Role } from '@hearth/contracts';

/** Who is making a request, resolved once by the auth guard. */
export interface Actor {
  kind: 'operator' | 'token';
  operatorId: string;
  email: string;
  /** For tokens: the lower of the token's role and its operator's current role. */
  role: Role;
  sessionId?: string;
  tokenId?: string;
}

/** What the audit hook records about a request; handlers fill in what only they know. */
export interface AuditContext {
  action?: string;
  targetType?: string;
  targetId?: string;
  reason?: string;
  detail?: Record<string, unknown>;
  /** Set by login, where the actor is known only after the credentials were checked. */
  actorEmail?: string;
  actorId?: string;
  /** Set by the auth guard when it refuses the request (a wrong password at login is a failure, not a refusal). */
  deniedByGuard?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    audit?: AuditContext;
  }
}
