import type { z } from 'zod';
import type { CreateUpgradeRollout, ListResponse, UpgradeRollout } from '@hearth/contracts';
import { api } from '../api/http';

const rolloutPath = (rolloutId: string) => `/upgrade-rollouts/${encodeURIComponent(rolloutId)}`;

/**
 * Upgrade rollouts: every server of a kind moved to one version, one upgrade at a time. The API
 * answers the latest 100 at once, so the pages read them here rather than through react-admin's
 * list. Like the data provider's actions these throw react-admin's HttpError on failure.
 */
export const rolloutsApi = {
  list: (signal?: AbortSignal) => api<ListResponse<UpgradeRollout>>('/upgrade-rollouts', { signal }),
  get: (rolloutId: string, signal?: AbortSignal) => api<UpgradeRollout>(rolloutPath(rolloutId), { signal }),
  /** Answers at once (202); the first upgrade starts, or the rollout waits for its window, moments later. */
  create: (body: z.input<typeof CreateUpgradeRollout>) => api<UpgradeRollout>('/upgrade-rollouts', { method: 'POST', body }),
  /** No further upgrade starts; one under way finishes (or is undone) as usual. */
  cancel: (rolloutId: string) => api<UpgradeRollout>(`${rolloutPath(rolloutId)}/cancel`, { method: 'POST' }),
};

export const rolloutKeys = {
  all: ['hearth', 'upgrade-rollouts'] as const,
  list: () => [...rolloutKeys.all, 'list'] as const,
  one: (rolloutId: string) => [...rolloutKeys.all, 'one', rolloutId] as const,
};
