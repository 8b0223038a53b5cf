import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { CreatePolicyRequest, ListResponse, PolicyKnobs, PrivacyReport, RetentionPolicy, UpdatePolicyRequest } from '@hearth/contracts';
import { api, apiText } from '../api/http';
import type { InstanceAccepted } from '../dataProvider';

const id = (value: string) => encodeURIComponent(value);

/** A preset a policy can start from, with what choosing it means in plain words. */
export interface PolicyPresetInfo {
  id: NonNullable<RetentionPolicy['preset']>;
  name: string;
  explanation: string;
  knobs: PolicyKnobs;
}

/** What saving a policy answers: the policy, and the instances its new knobs were applied to again. */
export interface PolicyUpdated {
  policy: RetentionPolicy;
  /** One reconfigure job per instance under the policy (only when knobs changed), or why none started. */
  applied: { instanceId: string; jobId?: string; error?: string }[];
}

/**
 * Retention policies, their presets, and each instance's privacy report. The API answers the
 * policies all at once, so the pages read them here rather than through react-admin's list. Like
 * the data provider's actions these throw react-admin's HttpError on failure.
 */
export const retentionApi = {
  presets: (signal?: AbortSignal) => api<ListResponse<PolicyPresetInfo>>('/retention-presets', { signal }),
  policies: (signal?: AbortSignal) => api<ListResponse<RetentionPolicy>>('/retention-policies', { signal }),
  policy: (policyId: string, signal?: AbortSignal) => api<RetentionPolicy>(`/retention-policies/${id(policyId)}`, { signal }),
  create: (body: z.input<typeof CreatePolicyRequest>) => api<RetentionPolicy>('/retention-policies', { method: 'POST', body }),
  /** New knobs are applied again to every instance under the policy: leave `knobs` out unless one changed. */
  update: (policyId: string, body: z.input<typeof UpdatePolicyRequest>) =>
    api<PolicyUpdated>(`/retention-policies/${id(policyId)}`, { method: 'PATCH', body }),
  /** Refused while an instance, or Hearth itself, follows the policy. */
  remove: (policyId: string) => api<void>(`/retention-policies/${id(policyId)}`, { method: 'DELETE' }),
  /** Puts the instance under the policy: an `instance.reconfigure` job, undone if the server does not take it. */
  assign: (instanceId: string, policyId: string, reason?: string) =>
    api<InstanceAccepted>(`/instances/${id(instanceId)}/retention-policy`, { method: 'PUT', body: { policyId, reason } }),
  report: (instanceId: string, signal?: AbortSignal) => api<PrivacyReport>(`/instances/${id(instanceId)}/privacy-report`, { signal }),
  /** The same report as a Markdown privacy notice for the community. */
  reportMarkdown: (instanceId: string) =>
    apiText(`/instances/${id(instanceId)}/privacy-report`, 'text/markdown', { query: { format: 'markdown' } }),
};

export const retentionKeys = {
  all: ['hearth', 'retention'] as const,
  presets: () => [...retentionKeys.all, 'presets'] as const,
  policies: () => [...retentionKeys.all, 'policies'] as const,
  policy: (policyId: string) => [...retentionKeys.policies(), policyId] as const,
  reports: (instanceId: string) => [...retentionKeys.all, 'report', instanceId] as const,
  /** With the instance's status: a server that starts (or stops) is read again. */
  report: (instanceId: string, status: string) => [...retentionKeys.reports(instanceId), status] as const,
};

/** A preset's name by its id, as the API names it; the id stands in while the presets load. */
export function usePresetName(): (preset: PolicyPresetInfo['id']) => string {
  const { data } = useQuery({ queryKey: retentionKeys.presets(), queryFn: ({ signal }) => retentionApi.presets(signal), staleTime: Infinity });
  return (preset) => data?.data.find((info) => info.id === preset)?.name ?? preset;
}
