import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import { Alert, List, ListItem, ListItemIcon, ListItemText, Skeleton, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useDataProvider, useTranslate } from 'react-admin';
import type { HearthDataProvider } from '../dataProvider';

const REFRESH_MS = 30_000;

export function HealthSummary() {
  const translate = useTranslate();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const { data: health, isPending, isError } = useQuery({
    queryKey: ['hearth', 'health'],
    queryFn: () => dataProvider.getHealth(),
    refetchInterval: REFRESH_MS,
  });
  if (isPending) return <Skeleton variant="rectangular" height={96} />;
  if (isError) return <Alert severity="error">{translate('hearth.dashboard.unreachable')}</Alert>;

  const parts = [
    { label: 'hearth.dashboard.database', ok: health.db === 'ok' },
    { label: 'hearth.dashboard.queue', ok: health.redis === 'ok' },
  ];
  return (
    <>
      <Alert severity={health.status === 'ok' ? 'success' : 'warning'}>
        {translate(health.status === 'ok' ? 'hearth.dashboard.all_ok' : 'hearth.dashboard.degraded')}
      </Alert>
      <List dense>
        {parts.map(({ label, ok }) => (
          <ListItem key={label}>
            <ListItemIcon>{ok ? <CheckCircleIcon color="success" /> : <ErrorIcon color="error" />}</ListItemIcon>
            <ListItemText
              primary={translate(label)}
              secondary={translate(ok ? 'hearth.dashboard.working' : 'hearth.dashboard.down')}
            />
          </ListItem>
        ))}
      </List>
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.dashboard.version', { version: health.version })}
      </Typography>
    </>
  );
}
