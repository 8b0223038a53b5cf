import type { Instance } from '@hearth/contracts';
import { useGetList } from 'react-admin';

/** The most instances one Hearth is expected to run, and what the API answers in one page. */
const ALL = 500;

/** Instance names by id, for policies and jobs that name instances by id only; an id stands in while they load. */
export function useInstanceNames(): (instanceId: string) => string {
  const { data } = useGetList<Instance>('instances', { pagination: { page: 1, perPage: ALL }, sort: { field: 'name', order: 'ASC' } });
  const names = new Map((data ?? []).map((instance) => [instance.id, instance.name]));
  return (instanceId) => names.get(instanceId) ?? instanceId;
}
