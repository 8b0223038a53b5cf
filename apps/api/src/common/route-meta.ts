import { Body, Param, Query, SetMetadata, applyDecorators } from '@nestjs/common';
import type { Permission } from '@hearth/contracts';
import type { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe';

/**
 * Route declarations. Every route must carry exactly one of @Public() or @RequirePermission():
 * the app refuses to start otherwise (see route-registry.ts). The same metadata feeds the
 * OpenAPI document and the role-matrix test.
 */
export const PERMISSION_KEY = 'hearth:permission';
export const PUBLIC_KEY = 'hearth:public';
export const AUDIT_KEY = 'hearth:audit';
export const DOC_KEY = 'hearth:doc';
export const SCHEMAS_KEY = 'hearth:schemas';

export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);
export const Public = () => SetMetadata(PUBLIC_KEY, true);
export const PUBLIC_WHEN_KEY = 'hearth:public-when';
/** Public only when the operator turned the named setting on; otherwise the declared permission holds. */
export const PublicWhen = (setting: 'metricsPublic') => SetMetadata(PUBLIC_WHEN_KEY, setting);

export interface AuditMeta {
  /** e.g. `operator.create`; past tense is implied by the result field. */
  action: string;
  targetType?: string;
}
/** Names the audit action of a mutating route (otherwise it is derived from the route). */
export const Audit = (action: string, targetType?: string) => SetMetadata(AUDIT_KEY, { action, targetType } satisfies AuditMeta);

export interface DocMeta {
  summary: string;
  response?: z.ZodType;
  status?: number;
}
export const Doc = (summary: string, response?: z.ZodType, status?: number) =>
  applyDecorators(SetMetadata(DOC_KEY, { summary, response, status } satisfies DocMeta));

export interface SchemaMeta {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

function recordSchema(where: keyof SchemaMeta, schema: z.ZodType): ParameterDecorator {
  return (target, key) => {
    if (key === undefined) return;
    const handler = (target as Record<string | symbol, object>)[key];
    const current: SchemaMeta = Reflect.getMetadata(SCHEMAS_KEY, handler) ?? {};
    Reflect.defineMetadata(SCHEMAS_KEY, { ...current, [where]: schema }, handler);
  };
}

function combine(...decorators: ParameterDecorator[]): ParameterDecorator {
  return (target, key, index) => decorators.forEach((d) => d(target, key, index));
}

export const ValidBody = (schema: z.ZodType) => combine(recordSchema('body', schema), Body(new ZodValidationPipe(schema, 'body')));
export const ValidQuery = (schema: z.ZodType) => combine(recordSchema('query', schema), Query(new ZodValidationPipe(schema, 'query')));
export const ValidParams = (schema: z.ZodType) => combine(recordSchema('params', schema), Param(new ZodValidationPipe(schema, 'params')));
