import { AuditEvent, AuditResult } from '@hearth/contracts';

export const resultChoices = AuditResult.options.map((id) => ({ id, name: `hearth.audit.result.${id}` }));
export const actorKindChoices = AuditEvent.shape.actorKind.options.map((id) => ({ id, name: `hearth.audit.actor_kind.${id}` }));
