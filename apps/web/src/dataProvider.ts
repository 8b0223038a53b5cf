import type {
  CreateParams,
  DataProvider,
  DeleteParams,
  GetListParams,
  GetOneParams,
  Identifier,
  RaRecord,
  UpdateParams,
} from 'react-admin';
import type { z } from 'zod';
import type {
  AccountLinkIssued,
  AccountSession,
  AdoptInstanceRequest,
  BulkUsersRequest,
  BulkUsersResult,
  CreateInstanceUserRequest,
  CreateInviteRequest,
  Health,
  Instance,
  InstanceEvent,
  InstanceKindAvailability,
  InstanceUser,
  Invite,
  ListResponse,
  ResetPasswordRequest,
  TotpConfirmResponse,
  TotpEnrolment,
} from '@hearth/contracts';
import { api } from './api/http';

interface ResourceRoute {
  /** The collection's path; `:instanceId` in it is filled from the request's `meta.instanceId`. */
  path: string;
  /** Fields a create sends; empty ones are left out so the API applies its defaults. */
  creatable?: readonly string[];
  /** Fields an update may send; only changed ones are sent, because the API rejects unknown keys. */
  editable?: readonly string[];
  /** Reshapes what the API answers into the record the forms edit (e.g. nested config to flat fields). */
  toRecord?: (record: Record<string, unknown>) => Record<string, unknown>;
}

const RESOURCES = {
  operators: {
    path: '/operators',
    creatable: ['email', 'password', 'role', 'displayName'],
    editable: ['role', 'displayName', 'disabled', 'password'],
  },
  tokens: { path: '/tokens', creatable: ['name', 'role', 'expiresAt'] },
  'audit-events': { path: '/audit-events' },
  jobs: { path: '/jobs' },
  instances: {
    path: '/instances',
    creatable: ['name', 'kind', 'domain', 'runtime', 'bindAddress', 'settings', 'healthIntervalSec'],
    editable: ['healthIntervalSec'],
  },
  // The accounts of one homeserver, identified by user name (the list pages select them by it).
  'instance-users': {
    path: '/instances/:instanceId/users',
    toRecord: (record) => ({ ...record, id: record.username }),
  },
  'instance-invites': { path: '/instances/:instanceId/invites' },
  // The open reports of every server (its page reads them itself); a resource so the menu lists it with the others.
  reports: { path: '/reports' },
  backups: { path: '/backups' },
  // Listed by their own pages; resources so the menu lists them and access.ts hides them.
  'backup-targets': { path: '/backup-targets' },
  'backup-recipients': { path: '/backup-recipients' },
  // Read and changed by their own pages (the API answers them all at once, and saving answers the jobs it started).
  'retention-policies': { path: '/retention-policies' },
  // Read and started by their own pages (the API answers the latest 100 at once).
  'upgrade-rollouts': { path: '/upgrade-rollouts' },
  'alert-channels': {
    path: '/alert-channels',
    creatable: ['name', 'kind', 'url', 'secret', 'enabled'],
    editable: ['name', 'url', 'secret', 'enabled'],
    // The form edits the webhook address as `url`, the name the create and update requests use.
    toRecord: (record) => ({ ...record, url: (record.config as { url?: string } | undefined)?.url }),
  },
} as const satisfies Record<string, ResourceRoute>;

export type ResourceName = keyof typeof RESOURCES;

export interface JobAccepted {
  jobId: string;
}

/** What starting an instance operation answers: the instance and the job doing the work. */
export interface InstanceAccepted extends JobAccepted {
  id: string;
}

/** Operations on an instance that run as a job: POST /instances/:id/<command>. */
export type InstanceCommand = 'start' | 'stop' | 'restart' | 'rotate-admin-token';

/** What creating an account or resetting its password answers; a set-password link comes once. */
export type IssuedAccountLink = z.infer<typeof AccountLinkIssued>;
export type BulkAccountsResult = z.infer<typeof BulkUsersResult>;

export interface HealthCheckResult {
  name: string;
  ok: boolean;
  detail: string;
  latencyMs?: number;
}

export interface HealthSample {
  at: string;
  ok: boolean;
  latencyMs: number | null;
  checks: HealthCheckResult[];
}

function route(resource: string): ResourceRoute {
  if (!(resource in RESOURCES)) throw new Error(`Hearth has no resource "${resource}"`);
  return RESOURCES[resource as ResourceName];
}

/** The collection's path, with the instance it belongs to for the nested ones. */
function collectionPath(resource: string, meta?: { instanceId?: Identifier }): string {
  return route(resource).path.replace(':instanceId', () => {
    if (meta?.instanceId === undefined) throw new Error(`Listing ${resource} needs meta.instanceId`);
    return encodeURIComponent(String(meta.instanceId));
  });
}

function recordPath(resource: string, id: Identifier, meta?: { instanceId?: Identifier }): string {
  return `${collectionPath(resource, meta)}/${encodeURIComponent(String(id))}`;
}

function accountPath(instanceId: Identifier, username: string): string {
  return recordPath('instance-users', username, { instanceId });
}

function toRecord<R>(resource: string, record: R): R {
  const reshape = route(resource).toRecord;
  return reshape ? (reshape(record as Record<string, unknown>) as R) : record;
}

function createBody(fields: readonly string[] = [], data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => data[f] != null).map((f) => [f, data[f]]));
}

/** A field cleared in the form is sent as null only if it had a value (so an empty new password stays unset). */
function updateBody(fields: readonly string[] = [], data: Record<string, unknown>, previous: Record<string, unknown>) {
  const changed = fields.filter((f) => data[f] !== undefined && data[f] !== previous[f]);
  return Object.fromEntries(changed.filter((f) => data[f] != null || previous[f] != null).map((f) => [f, data[f]]));
}

function unsupported(method: string): never {
  throw new Error(`The Hearth API has no bulk or reference call behind ${method}`);
}

const crud: DataProvider = {
  async getList<R extends RaRecord>(resource: string, { pagination, sort, filter, meta, signal }: GetListParams) {
    const { data, total } = await api<ListResponse<R>>(collectionPath(resource, meta), {
      query: { page: pagination?.page, perPage: pagination?.perPage, sort: sort?.field, order: sort?.order, ...filter },
      signal,
    });
    return { data: data.map((record) => toRecord(resource, record)), total };
  },
  async getOne<R extends RaRecord>(resource: string, { id, meta, signal }: GetOneParams<R>) {
    return { data: toRecord(resource, await api<R>(recordPath(resource, id, meta), { signal })) };
  },
  async create<R, Created extends RaRecord = R & { id: Identifier }>(resource: string, { data }: CreateParams) {
    const created = await api<Created>(route(resource).path, {
      method: 'POST',
      body: createBody(route(resource).creatable, data),
    });
    return { data: created };
  },
  async update<R extends RaRecord>(resource: string, { id, data, previousData }: UpdateParams) {
    const updated = await api<R>(recordPath(resource, id), {
      method: 'PATCH',
      body: updateBody(route(resource).editable, data, previousData),
    });
    return { data: toRecord(resource, updated) };
  },
  async delete<R extends RaRecord>(resource: string, { id, previousData, meta }: DeleteParams<R>) {
    await api(recordPath(resource, id), { method: 'DELETE', query: meta });
    return { data: previousData ?? ({ id } as R) };
  },
  getMany: () => unsupported('getMany'),
  getManyReference: () => unsupported('getManyReference'),
  updateMany: () => unsupported('updateMany'),
  deleteMany: () => unsupported('deleteMany'),
  supportAbortSignal: true,
};

/** Actions beyond CRUD. Like the CRUD methods they throw react-admin's HttpError on failure. */
const actions = {
  retryJob: (id: Identifier) => api<JobAccepted>(`${recordPath('jobs', id)}/retry`, { method: 'POST' }),
  cancelJob: (id: Identifier) => api<JobAccepted>(`${recordPath('jobs', id)}/cancel`, { method: 'POST' }),
  pruneNow: () => api<JobAccepted>('/maintenance/prune', { method: 'POST' }),
  getHealth: () => api<Health>('/health', { acceptStatuses: [503] }),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    api<void>('/auth/password', { method: 'POST', body }),
  enrolTotp: () => api<TotpEnrolment>('/auth/totp/enrol', { method: 'POST' }),
  confirmTotp: (code: string) => api<TotpConfirmResponse>('/auth/totp/confirm', { method: 'POST', body: { code } }),
  disableTotp: (password: string) => api<void>('/auth/totp/disable', { method: 'POST', body: { password } }),
  getInstanceKinds: (signal?: AbortSignal) => api<InstanceKindAvailability[]>('/instance-kinds', { signal }),
  instanceCommand: (id: Identifier, command: InstanceCommand) =>
    api<InstanceAccepted>(`${recordPath('instances', id)}/${command}`, { method: 'POST' }),
  /** Adopting answers at once with the instance; the credential goes to the API only, never into the browser's storage. */
  adoptInstance: (body: AdoptInstanceRequest) => api<Instance>('/instances/adopt', { method: 'POST', body }),
  /** Destroying needs the instance's name repeated; the reason goes to the audit log. */
  destroyInstance: (id: Identifier, confirm: string, reason?: string) =>
    api<InstanceAccepted>(recordPath('instances', id), { method: 'DELETE', query: { confirm, reason } }),
  getInstanceLogs: (id: Identifier, tail: number, signal?: AbortSignal) =>
    api<{ lines: string[] }>(`${recordPath('instances', id)}/logs`, { query: { tail }, signal }),
  getHealthSamples: (id: Identifier, since: string, signal?: AbortSignal) =>
    api<ListResponse<HealthSample>>(`${recordPath('instances', id)}/health-samples`, {
      query: { since, limit: 10_000 },
      signal,
    }),
  getInstanceEvents: (id: Identifier, perPage: number, signal?: AbortSignal) =>
    api<ListResponse<InstanceEvent>>(`${recordPath('instances', id)}/events`, {
      query: { page: 1, perPage, sort: 'at', order: 'DESC' },
      signal,
    }),
  createAccount: (instanceId: Identifier, body: CreateInstanceUserRequest) =>
    api<IssuedAccountLink>(collectionPath('instance-users', { instanceId }), { method: 'POST', body }),
  resetAccountPassword: (instanceId: Identifier, username: string, body: z.input<typeof ResetPasswordRequest>) =>
    api<IssuedAccountLink>(`${accountPath(instanceId, username)}/password`, { method: 'POST', body }),
  setAccountAdmin: (instanceId: Identifier, username: string, admin: boolean, reason?: string) =>
    api<InstanceUser>(`${accountPath(instanceId, username)}/admin`, { method: 'PUT', body: { admin, reason } }),
  lockAccount: (instanceId: Identifier, username: string, reason?: string) =>
    api<InstanceUser>(`${accountPath(instanceId, username)}/deactivate`, { method: 'POST', body: { reason } }),
  /** Unlocking sets a new password: whoever had the old one (the reason for locking, perhaps) stays out. */
  unlockAccount: (instanceId: Identifier, username: string, password: string, reason?: string) =>
    api<InstanceUser>(`${accountPath(instanceId, username)}/reactivate`, { method: 'POST', body: { password, reason } }),
  /** Erasing needs the user name repeated; the reason goes to the audit log. */
  eraseAccount: (instanceId: Identifier, username: string, confirm: string, reason?: string) =>
    api<void>(accountPath(instanceId, username), { method: 'DELETE', query: { confirm, reason } }),
  getAccountSessions: (instanceId: Identifier, username: string, signal?: AbortSignal) =>
    api<ListResponse<AccountSession>>(`${accountPath(instanceId, username)}/sessions`, { signal }),
  revokeAccountSession: (instanceId: Identifier, username: string, sessionId: string) =>
    api<void>(`${accountPath(instanceId, username)}/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' }),
  /** One action on many accounts; the answer says which succeeded and why the others did not. */
  bulkAccounts: (instanceId: Identifier, body: z.input<typeof BulkUsersRequest>) =>
    api<BulkAccountsResult>(`${collectionPath('instance-users', { instanceId })}/bulk`, { method: 'POST', body }),
  /** The invite's URL is in this answer only. */
  createInvite: (instanceId: Identifier, body: z.input<typeof CreateInviteRequest>) =>
    api<Invite>(collectionPath('instance-invites', { instanceId }), { method: 'POST', body }),
  revokeInvite: (instanceId: Identifier, inviteId: Identifier) =>
    api<Invite>(recordPath('instance-invites', inviteId, { instanceId }), { method: 'DELETE' }),
  testAlertChannel: (id: Identifier) =>
    api<{ queued: true }>(`${recordPath('alert-channels', id)}/test`, { method: 'POST' }),
};

export type HearthDataProvider = DataProvider & typeof actions;

export const dataProvider: HearthDataProvider = { ...crud, ...actions };
