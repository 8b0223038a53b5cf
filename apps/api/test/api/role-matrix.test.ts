import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { Controller, Get, Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { ROLES, type Role, can } from '@hearth/contracts';
import { type RouteInfo, assertRoutesDeclared, listRoutes } from '../../src/openapi/route-registry';
import { Public, RequirePermission } from '../../src/common/route-meta';
import { type TestApp, bearer, useTestContext } from '../support/context';

// Walks every route of the real app as anonymous, each role, and a down-scoped API token.
const context = useTestContext();
let app: TestApp;
let routes: RouteInfo[];
const operatorIds = {} as Record<Role, string>;

before(async () => {
  app = await context.startApp();
  routes = listRoutes(app.app);
  for (const role of ROLES) operatorIds[role] = (await app.createOperator(role)).id;
});

function concretePath(route: RouteInfo): string {
  return route.path.replace(/:\w+/g, () => randomUUID());
}

/** One request to the route, the way a client that knows nothing about it would send it. */
async function hit(route: RouteInfo, token?: string) {
  const path = concretePath(route);
  let call = app.http()[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
  if (token) call = call.set(bearer(token));
  if (route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH') call = call.send({});
  const response = await call;
  return { path, status: response.status, body: response.body as { code?: string } };
}

// Who may call what. A change here is a change to Hearth's security model: review it as one.
const EXPECTED_ACCESS: Record<string, string> = {
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'account.self',
  'GET /api/auth/me': 'account.self',
  'POST /api/auth/password': 'account.self',
  'POST /api/auth/totp/enrol': 'account.self',
  'POST /api/auth/totp/confirm': 'account.self',
  'POST /api/auth/totp/disable': 'account.self',
  'GET /api/tokens': 'account.self',
  'POST /api/tokens': 'account.self',
  'DELETE /api/tokens/:id': 'account.self',
  'GET /api/operators': 'operators.read',
  'GET /api/operators/:id': 'operators.read',
  'POST /api/operators': 'operators.manage',
  'PATCH /api/operators/:id': 'operators.manage',
  'DELETE /api/operators/:id': 'operators.manage',
  'GET /api/audit-events': 'audit.read',
  'GET /api/audit-events/:id': 'audit.read',
  'GET /api/jobs': 'jobs.read',
  'GET /api/jobs/:id': 'jobs.read',
  'POST /api/jobs/:id/retry': 'jobs.manage',
  'POST /api/jobs/:id/cancel': 'jobs.manage',
  'POST /api/maintenance/prune': 'jobs.manage',
  'GET /api/instance-kinds': 'instances.read',
  'GET /api/instances': 'instances.read',
  'GET /api/instances/:id': 'instances.read',
  'POST /api/instances': 'instances.manage',
  'PATCH /api/instances/:id': 'instances.manage',
  'POST /api/instances/:id/start': 'instances.manage',
  'POST /api/instances/:id/stop': 'instances.manage',
  'POST /api/instances/:id/restart': 'instances.manage',
  'DELETE /api/instances/:id': 'instances.manage',
  'GET /api/instances/:id/logs': 'instances.logs',
  'GET /api/instances/:id/federation': 'instances.read',
  'PUT /api/instances/:id/federation': 'instances.manage',
  'POST /api/instances/adopt': 'instances.manage',
  'POST /api/instances/:id/rotate-admin-token': 'instances.manage',
  'PUT /api/instances/:id/admin-token': 'instances.manage',
  'GET /api/instances/:id/users': 'instance-users.read',
  'POST /api/instances/:id/users': 'instance-users.manage',
  'POST /api/instances/:id/users/bulk': 'instance-users.manage',
  'GET /api/instances/:id/users/:username': 'instance-users.read',
  'POST /api/instances/:id/users/:username/password': 'instance-users.manage',
  'PUT /api/instances/:id/users/:username/admin': 'instance-users.manage',
  'POST /api/instances/:id/users/:username/deactivate': 'instance-users.manage',
  'POST /api/instances/:id/users/:username/reactivate': 'instance-users.manage',
  'DELETE /api/instances/:id/users/:username': 'instance-users.manage',
  'GET /api/instances/:id/users/:username/sessions': 'instance-users.read',
  'DELETE /api/instances/:id/users/:username/sessions/:sessionId': 'instance-users.manage',
  'GET /api/instances/:id/rooms': 'moderation.read',
  'GET /api/instances/:id/rooms/:roomId': 'moderation.read',
  'PUT /api/instances/:id/rooms/:roomId/block': 'moderation.manage',
  'POST /api/instances/:id/rooms/:roomId/make-admin': 'moderation.manage',
  'DELETE /api/instances/:id/rooms/:roomId': 'moderation.manage',
  'POST /api/instances/:id/rooms/:roomId/purge-history': 'moderation.manage',
  'GET /api/reports': 'moderation.read',
  'GET /api/instances/:id/reports': 'moderation.read',
  'GET /api/instances/:id/reports/:reportId': 'moderation.read',
  'POST /api/instances/:id/reports/:reportId/resolve': 'moderation.manage',
  'POST /api/instances/:id/announcements': 'moderation.manage',
  'GET /api/instances/:id/registration-tokens': 'instance-users.read',
  'POST /api/instances/:id/registration-tokens': 'instance-users.manage',
  'DELETE /api/instances/:id/registration-tokens/:token': 'instance-users.manage',
  'GET /api/instances/:id/invites': 'instance-users.read',
  'POST /api/instances/:id/invites': 'instance-users.manage',
  'DELETE /api/instances/:id/invites/:inviteId': 'instance-users.manage',
  'GET /api/instances/:id/health-samples': 'instances.read',
  'GET /api/instances/:id/events': 'instances.read',
  'GET /api/alert-channels': 'alerts.read',
  'GET /api/alert-channels/:id': 'alerts.read',
  'POST /api/alert-channels': 'alerts.manage',
  'PATCH /api/alert-channels/:id': 'alerts.manage',
  'DELETE /api/alert-channels/:id': 'alerts.manage',
  'POST /api/alert-channels/:id/test': 'alerts.manage',
  'GET /api/backup-recipients': 'backups.read',
  'POST /api/backup-recipients': 'backups.manage',
  'DELETE /api/backup-recipients/:id': 'backups.manage',
  'GET /api/backup-targets': 'backups.read',
  'GET /api/backup-targets/:id': 'backups.read',
  'POST /api/backup-targets': 'backups.manage',
  'POST /api/backup-targets/:id/check': 'backups.manage',
  'DELETE /api/backup-targets/:id': 'backups.manage',
  'GET /api/backup-schedules': 'backups.read',
  'GET /api/backup-schedules/:id': 'backups.read',
  'POST /api/backup-schedules': 'backups.manage',
  'PATCH /api/backup-schedules/:id': 'backups.manage',
  'DELETE /api/backup-schedules/:id': 'backups.manage',
  'GET /api/backups': 'backups.read',
  'GET /api/backups/:id': 'backups.read',
  'POST /api/backups': 'backups.manage',
  'POST /api/backups/:id/verify': 'backups.manage',
  'POST /api/backups/:id/restore': 'backups.manage',
  'POST /api/backups/:id/drill': 'backups.manage',
  'DELETE /api/backups/:id': 'backups.manage',
  'GET /api/retention-presets': 'instances.read',
  'GET /api/retention-policies': 'instances.read',
  'GET /api/retention-policies/:id': 'instances.read',
  'POST /api/retention-policies': 'instances.manage',
  'PATCH /api/retention-policies/:id': 'instances.manage',
  'DELETE /api/retention-policies/:id': 'instances.manage',
  'PUT /api/instances/:id/retention-policy': 'instances.manage',
  'GET /api/instances/:id/privacy-report': 'instances.read',
  'GET /api/instances/:id/versions': 'instances.read',
  'POST /api/instances/:id/upgrade': 'instances.manage',
  'GET /api/upgrade-rollouts': 'instances.read',
  'GET /api/upgrade-rollouts/:id': 'instances.read',
  'POST /api/upgrade-rollouts': 'instances.manage',
  'POST /api/upgrade-rollouts/:id/cancel': 'instances.manage',
  'GET /api/health': 'public',
  'GET /api/public/links/:token': 'public',
  'POST /api/public/links/:token': 'public',
  'GET /metrics': 'console.read',
  'GET /api/docs': 'public',
  'GET /api/docs/init.js': 'public',
  'GET /api/docs/openapi.json': 'public',
};

test('every route is declared, with the access the security model expects', () => {
  assert.ok(routes.length > 0);
  assert.doesNotThrow(() => assertRoutesDeclared(routes));
  const actual = Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, r.isPublic ? 'public' : r.permission!]));
  assert.equal(Object.keys(actual).length, routes.length, 'no route is listed twice');
  assert.deepEqual(actual, EXPECTED_ACCESS);
});

describe('a route without a declaration', () => {
  test('makes assertRoutesDeclared throw, naming it', () => {
    const declared: RouteInfo = { method: 'GET', path: '/api/fine', permission: 'console.read', isPublic: false, schemas: {}, handlerName: 'Fine.get' };
    const undeclared: RouteInfo = { method: 'POST', path: '/api/oops', isPublic: false, schemas: {}, handlerName: 'Oops.create' };
    assert.throws(() => assertRoutesDeclared([declared, undeclared]), /POST \/api\/oops \(Oops\.create\)/);
    assert.doesNotThrow(() => assertRoutesDeclared([declared]));
  });

  test('is found in a real Nest module by listRoutes', async () => {
    @Controller('probe')
    class ProbeController {
      @Get('open')
      @Public()
      open() {
        return 'ok';
      }

      @Get('guarded')
      @RequirePermission('console.read')
      guarded() {
        return 'ok';
      }

      @Get('forgotten')
      forgotten() {
        return 'oops';
      }
    }
    @Module({ imports: [DiscoveryModule], controllers: [ProbeController] })
    class ProbeModule {}
    const probe = await NestFactory.createApplicationContext(ProbeModule, { logger: false });
    try {
      const found = listRoutes(probe);
      assert.deepEqual(found.map((r) => `${r.method} ${r.path}`).sort(), ['GET /api/probe/forgotten', 'GET /api/probe/guarded', 'GET /api/probe/open']);
      assert.throws(() => assertRoutesDeclared(found), (error: Error) => /forgotten/.test(error.message) && !/guarded|open/.test(error.message));
    } finally {
      await probe.close();
    }
  });
});

test('anonymous: 401 on every non-public route, never 401/403 on public ones', async () => {
  for (const route of routes) {
    const { path, status, body } = await hit(route);
    if (route.isPublic) {
      assert.ok(status !== 401 && status !== 403, `${route.method} ${path} is public but answered ${status}`);
    } else {
      assert.equal(status, 401, `${route.method} ${path} answered ${status}`);
      assert.equal(body.code, 'auth/unauthenticated');
    }
  }
});

test('an unknown bearer token is anonymous too', async () => {
  const me = routes.find((r) => r.path === '/api/auth/me')!;
  for (const token of ['hs_not-a-real-session', 'ht_not-a-real-token', 'garbage']) {
    const { status, body } = await hit(me, token);
    assert.equal(status, 401, token);
    assert.equal(body.code, 'auth/unauthenticated');
  }
});

async function assertMatrixFor(label: string, role: Role, token: () => Promise<string>) {
  let allowed = 0;
  let forbidden = 0;
  for (const route of routes) {
    // A fresh credential per request: the matrix includes logout, which ends the one it uses.
    const { path, status, body } = await hit(route, await token());
    assert.ok(status < 500, `${label}: ${route.method} ${path} answered ${status}`);
    if (route.isPublic) {
      assert.ok(status !== 401 && status !== 403, `${label}: public ${route.method} ${path} answered ${status}`);
    } else if (can(role, route.permission!)) {
      allowed++;
      assert.ok(status !== 401 && status !== 403, `${label} may ${route.permission}: ${route.method} ${path} answered ${status} ${body.code ?? ''}`);
    } else {
      forbidden++;
      assert.equal(status, 403, `${label} lacks ${route.permission}: ${route.method} ${path} answered ${status}`);
      assert.equal(body.code, 'auth/forbidden');
    }
  }
  return { allowed, forbidden };
}

for (const role of ROLES) {
  test(`role ${role}: 403 exactly where the permission table says, never 401`, async () => {
    const { allowed, forbidden } = await assertMatrixFor(role, role, () => app.sessionFor(operatorIds[role]));
    assert.ok(allowed > 0);
    if (role === 'owner' || role === 'admin') assert.equal(forbidden, 0);
    else assert.ok(forbidden > 0, `${role} is refused something`);
  });
}

test('an owner\'s API token of role viewer behaves as a viewer', async () => {
  const ownerSession = await app.sessionFor(operatorIds.owner);
  const created = await app.http().post('/api/tokens').set(bearer(ownerSession)).send({ name: 'viewer token', role: 'viewer' });
  assert.equal(created.status, 201);
  const token = created.body.token as string;
  context.secrets.add(token);
  const me = await app.http().get('/api/auth/me').set(bearer(token));
  assert.equal(me.body.role, 'viewer');
  assert.equal(me.body.via, 'token');
  const viewer = await assertMatrixFor('owner\'s viewer token', 'viewer', async () => token);
  const realViewer = await assertMatrixFor('viewer', 'viewer', () => app.sessionFor(operatorIds.viewer));
  assert.deepEqual(viewer, realViewer);
});


