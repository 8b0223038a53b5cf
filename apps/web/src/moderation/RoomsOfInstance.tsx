import type { ReactNode } from 'react';
import { Alert, Stack } from '@mui/material';
import type { Instance } from '@hearth/contracts';
import { Loading, useGetOne, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { BackButton } from './BackButton';
import { RequestFailed } from './Loaded';

/** A page about one server's rooms (/instances/:id/rooms…): the server loaded, then the page, where the server has rooms Hearth can manage. */
export function RoomsOfInstance({ children }: { children: (instance: Instance) => ReactNode }) {
  const translate = useTranslate();
  const { id = '' } = useParams<'id'>();
  const { data: instance, error } = useGetOne<Instance>('instances', { id }, { retry: false });
  if (error) return <RequestFailed error={error} />;
  if (!instance) return <Loading />;
  return (
    <Stack spacing={2} sx={{ mt: 1 }}>
      {instance.capabilities.includes('rooms') ? (
        children(instance)
      ) : (
        <>
          <BackButton to={`/instances/${encodeURIComponent(instance.id)}/show`} label={instance.name} />
          <Alert severity="info">{translate('hearth.moderation.rooms.unsupported', { name: instance.name })}</Alert>
        </>
      )}
    </Stack>
  );
}
