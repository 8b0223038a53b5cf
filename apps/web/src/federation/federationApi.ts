import type { z } from 'zod';
import type { InstanceFederation, SetFederationRequest } from '@hearth/contracts';
import { api } from '../api/http';
import type { InstanceAccepted } from '../dataProvider';

const federationPath = (instanceId: string) => `/instances/${encodeURIComponent(instanceId)}/federation`;

/** An instance's federation policy. Like the data provider's actions these throw react-admin's HttpError on failure. */
export const federationApi = {
  /** The wanted policy and what the running server does, read back from it. */
  get: (instanceId: string, signal?: AbortSignal) => api<InstanceFederation>(federationPath(instanceId), { signal }),
  /** Runs as an `instance.reconfigure` job, which puts the previous policy back if the new one does not take. */
  set: (instanceId: string, body: z.input<typeof SetFederationRequest>) =>
    api<InstanceAccepted>(federationPath(instanceId), { method: 'PUT', body }),
};

export const federationKeys = {
  all: ['hearth', 'federation'] as const,
  instance: (instanceId: string) => [...federationKeys.all, instanceId] as const,
  /** With the instance's status: a server that starts (or stops) is read again. */
  of: (instanceId: string, status: string) => [...federationKeys.instance(instanceId), status] as const,
};
