import { z } from 'zod';
import { PERMISSIONS } from '@hearth/contracts';
import { ERROR_CODES } from '../common/error-codes';
import type { RouteInfo } from './route-registry';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function queryParameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const { properties = {}, required = [] } = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.includes(name), schema: s }));
}

/** OpenAPI 3.1 built from the same route declarations the guard enforces. */
export function buildOpenApi(routes: RouteInfo[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const status = String(route.doc?.status ?? (route.method === 'DELETE' ? 204 : 200));
    const success = route.doc?.response && status !== '204'
      ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.doc.response, 'output') } } }
      : { description: 'Success' };
    const access = route.isPublic ? 'Public.' : `Needs \`${route.permission}\` (role ${PERMISSIONS[route.permission!]} or higher).`;
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.handlerName,
      summary: route.doc?.summary,
      description: access,
      tags: [route.path.split('/')[route.path.startsWith('/api/') ? 2 : 1]],
      security: route.isPublic ? [] : [{ bearer: [] }, { cookie: [] }],
      parameters: [...queryParameters(route.schemas.params, 'path'), ...queryParameters(route.schemas.query, 'query')],
      ...(route.schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.schemas.body, 'input') } } } } : {}),
      responses: {
        [status]: success,
        default: { description: 'An error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Hearth API', version, description: 'Operator console for self-hosted Matrix and XMPP servers. Errors are RFC 9457 problem details with a stable `code`.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A login token or a personal API token' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'hearth_session' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
            detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
