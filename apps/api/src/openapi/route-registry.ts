import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Permission } from '@hearth/contracts';
import { DOC_KEY, type DocMeta, PERMISSION_KEY, PUBLIC_KEY, SCHEMAS_KEY, type SchemaMeta } from '../common/route-meta';

/** Controllers served outside /api, where tools expect them (Prometheus scrapes /metrics). */
export const UNPREFIXED_CONTROLLERS = ['metrics'];
export const API_PREFIX = 'api';

export interface RouteInfo {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Full path with Nest-style parameters, e.g. /api/operators/:id */
  path: string;
  permission?: Permission;
  isPublic: boolean;
  doc?: DocMeta;
  schemas: SchemaMeta;
  handlerName: string;
}

const METHODS: Partial<Record<RequestMethod, RouteInfo['method']>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.PATCH]: 'PATCH',
  [RequestMethod.DELETE]: 'DELETE',
};

/** Every HTTP route of the app with its declarations: for OpenAPI, start-up checks and tests. */
export function listRoutes(app: Pick<INestApplicationContext, 'get'>): RouteInfo[] {
  return collectRoutes(app.get(DiscoveryService), app.get(MetadataScanner));
}

export function collectRoutes(discovery: DiscoveryService, scanner: MetadataScanner): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as Type<unknown>;
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const prefix = UNPREFIXED_CONTROLLERS.includes(base) ? '' : `/${API_PREFIX}`;
    const classPermission = Reflect.getMetadata(PERMISSION_KEY, controller) as Permission | undefined;
    const classPublic = Reflect.getMetadata(PUBLIC_KEY, controller) === true;
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = controller.prototype[name] as object;
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (!method || sub === undefined) continue;
      const path = [prefix, base, sub].filter((p) => p && p !== '/').join('/').replace(/\/+/g, '/');
      routes.push({
        method,
        path: path.startsWith('/') ? path : `/${path}`,
        permission: (Reflect.getMetadata(PERMISSION_KEY, handler) as Permission | undefined) ?? classPermission,
        isPublic: classPublic || Reflect.getMetadata(PUBLIC_KEY, handler) === true,
        doc: Reflect.getMetadata(DOC_KEY, handler) as DocMeta | undefined,
        schemas: (Reflect.getMetadata(SCHEMAS_KEY, handler) as SchemaMeta | undefined) ?? {},
        handlerName: `${controller.name}.${name}`,
      });
    }
  }
  return routes;
}

/** A route that declares neither @Public nor a permission is a defect: refuse to start. */
export function assertRoutesDeclared(routes: RouteInfo[]): void {
  const undeclared = routes.filter((r) => !r.isPublic && !r.permission).map((r) => `${r.method} ${r.path} (${r.handlerName})`);
  if (undeclared.length) throw new Error(`Routes without @Public() or @RequirePermission(): ${undeclared.join(', ')}`);
}
