import { Alert, Skeleton, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Instance, InstanceEvent, InstanceStatus } from '@hearth/contracts';
import { useDataProvider, useTranslate } from 'react-admin';
import { Section } from '../common/Section';
import type { HearthDataProvider } from '../dataProvider';
import { INSTANCE_STATUS_LOOK } from './instanceStatus';

const RECENT = 20;

const EVENT_TYPE_LABEL: Record<InstanceEvent['type'], string> = {
  'status-change': 'hearth.instances.events.type.status-change',
  crash: 'hearth.instances.events.type.crash',
  restart: 'hearth.instances.events.type.restart',
  action: 'hearth.instances.events.type.action',
  'backup-failed': 'hearth.instances.events.type.backup-failed',
  'backup-missed': 'hearth.instances.events.type.backup-missed',
  'privacy-drift': 'hearth.instances.events.type.privacy-drift',
  'upgrade-failed': 'hearth.instances.events.type.upgrade-failed',
};

/** The latest status changes, crashes, restarts and operator actions, newest first. */
export function EventsSection({ instance, pollMs }: { instance: Instance; pollMs: number }) {
  const translate = useTranslate();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const events = useQuery({
    // The status is part of the key so a change seen on the instance brings its event at once.
    queryKey: ['hearth', 'instances', instance.id, 'events', instance.status],
    queryFn: ({ signal }) => dataProvider.getInstanceEvents(instance.id, RECENT, signal),
    refetchInterval: pollMs,
    placeholderData: keepPreviousData,
  });
  const statusLabel = (status: InstanceStatus | null) => (status ? translate(INSTANCE_STATUS_LOOK[status].label) : '—');

  return (
    <Section title="hearth.instances.events.title">
      {events.isPending ? (
        <Skeleton variant="rectangular" height={120} />
      ) : events.error ? (
        <Alert severity="error">{events.error.message}</Alert>
      ) : events.data.data.length === 0 ? (
        <Typography>{translate('hearth.instances.events.none')}</Typography>
      ) : (
        <Table size="small" aria-label={translate('hearth.instances.events.title')}>
          <TableHead>
            <TableRow>
              <TableCell>{translate('hearth.instances.events.at')}</TableCell>
              <TableCell>{translate('hearth.instances.events.type_column')}</TableCell>
              <TableCell>{translate('hearth.instances.events.change')}</TableCell>
              <TableCell>{translate('hearth.instances.events.reason')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {events.data.data.map((event) => (
              <TableRow key={event.id}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{new Date(event.at).toLocaleString()}</TableCell>
                <TableCell>{translate(EVENT_TYPE_LABEL[event.type])}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {event.fromStatus || event.toStatus ? `${statusLabel(event.fromStatus)} → ${statusLabel(event.toStatus)}` : '—'}
                </TableCell>
                <TableCell>{event.reason}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {events.data && events.data.total > RECENT && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          {translate('hearth.instances.events.more', { shown: RECENT, total: events.data.total })}
        </Typography>
      )}
    </Section>
  );
}
