import AddIcon from '@mui/icons-material/Add';
import { Alert, Box, Button, Chip, Skeleton, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { InstanceStatus } from '@hearth/contracts';
import { Link as RouterLink } from 'react-router';
import { useCreatePath, useDataProvider, useTranslate } from 'react-admin';
import { useCan } from '../access';
import type { HearthDataProvider } from '../dataProvider';
import { INSTANCE_STATUS_LOOK } from '../instances/instanceStatus';

const REFRESH_MS = 15_000;

/** How many instances are in each status, each count a link to the list filtered by it. */
export function InstancesSummary() {
  const translate = useTranslate();
  const createPath = useCreatePath();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const mayCreate = useCan('instances.manage');
  const { data: counts, isPending, isError } = useQuery({
    queryKey: ['hearth', 'instances', 'count-by-status'],
    // One small page per status: the totals are exact however many instances there are.
    queryFn: ({ signal }) =>
      Promise.all(
        InstanceStatus.options.map(async (status) => {
          const { total } = await dataProvider.getList('instances', {
            pagination: { page: 1, perPage: 1 },
            sort: { field: 'name', order: 'ASC' },
            filter: { status },
            signal,
          });
          return { status, total: total ?? 0 };
        }),
      ),
    refetchInterval: REFRESH_MS,
  });
  const listPath = createPath({ resource: 'instances', type: 'list' });
  if (isPending) return <Skeleton variant="rectangular" height={72} />;
  if (isError) return <Alert severity="error">{translate('hearth.dashboard.instances_unavailable')}</Alert>;

  const total = counts.reduce((sum, { total }) => sum + total, 0);
  const needAttention = counts.filter(({ status, total }) => total > 0 && ['down', 'failed', 'degraded'].includes(status));
  return (
    <Stack spacing={2}>
      {total === 0 ? (
        <Typography>{translate('hearth.dashboard.no_instances')}</Typography>
      ) : (
        <>
          <Alert severity={needAttention.length > 0 ? 'warning' : 'success'}>
            {translate(needAttention.length > 0 ? 'hearth.dashboard.instances_attention' : 'hearth.dashboard.instances_ok', {
              smart_count: total,
            })}
          </Alert>
          <Box component="ul" aria-label={translate('hearth.dashboard.by_status')} sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, p: 0, m: 0, listStyle: 'none' }}>
            {counts
              .filter(({ total }) => total > 0)
              .map(({ status, total }) => {
                const { Icon, colour, label } = INSTANCE_STATUS_LOOK[status];
                return (
                  <li key={status}>
                    <Chip
                      component={RouterLink}
                      to={`${listPath}?filter=${encodeURIComponent(JSON.stringify({ status }))}`}
                      clickable
                      icon={<Icon />}
                      color={colour ?? 'default'}
                      variant="outlined"
                      label={`${translate(label)}: ${total}`}
                    />
                  </li>
                );
              })}
          </Box>
        </>
      )}
      <Stack direction="row" spacing={1}>
        {total > 0 && (
          <Button component={RouterLink} to={listPath}>
            {translate('hearth.dashboard.all_instances')}
          </Button>
        )}
        {mayCreate && (
          <Button component={RouterLink} to={createPath({ resource: 'instances', type: 'create' })} startIcon={<AddIcon />}>
            {translate('hearth.dashboard.create_instance')}
          </Button>
        )}
      </Stack>
    </Stack>
  );
}
