import type { z } from 'zod';
import type { InstanceVersions, UpgradeAccepted, UpgradeRequest } from '@hearth/contracts';
import { HttpError } from 'react-admin';
import { type ApiErrorBody, api } from '../api/http';

const instancePath = (instanceId: string) => `/instances/${encodeURIComponent(instanceId)}`;

/** An instance's versions, and moving it to another. Like the data provider's actions these throw react-admin's HttpError on failure. */
export const upgradesApi = {
  /** The host's package, the installed trees and the installable ones, and which one the instance runs. */
  versions: (instanceId: string, signal?: AbortSignal) => api<InstanceVersions>(`${instancePath(instanceId)}/versions`, { signal }),
  /** Runs as an `instance.upgrade` job, which backs the server up first and puts everything back on any failure after the stop. */
  upgrade: (instanceId: string, body: z.input<typeof UpgradeRequest>) =>
    api<z.infer<typeof UpgradeAccepted>>(`${instancePath(instanceId)}/upgrade`, { method: 'POST', body }),
};

export const upgradesKeys = {
  all: ['hearth', 'versions'] as const,
  instance: (instanceId: string) => [...upgradesKeys.all, instanceId] as const,
  /** With the instance's status and version: an upgrade that finished (or a server that changed) is read again. */
  of: (instanceId: string, status: string, version: string | null) => [...upgradesKeys.instance(instanceId), status, version] as const,
};

/** The API's answer for servers whose versions Hearth does not manage (adopted ones, Synapse). */
export function isUnsupported(error: unknown): boolean {
  return error instanceof HttpError && (error.body as ApiErrorBody | undefined)?.code === 'capability/unsupported';
}
