import { useState } from 'react';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import {
  Alert,
  Box,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Skeleton,
  Stack,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { useDataProvider, useLocaleState, useTranslate } from 'react-admin';
import { Section } from '../common/Section';
import type { HearthDataProvider } from '../dataProvider';
import { HealthField } from './HealthField';
import { formatLatency, formatRatio } from './format';
import { LatencyChart } from './LatencyChart';

const HOUR_MS = 3_600_000;
const MIN_SPAN_MS = 300_000;
const RANGES = [
  { hours: 1, label: 'hearth.instances.health.range_1h' },
  { hours: 6, label: 'hearth.instances.health.range_6h' },
  { hours: 24, label: 'hearth.instances.health.range_24h' },
] as const;

function Uptime({ label, ratio }: { label: string; ratio: number | null }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  return (
    <Box>
      <Typography variant="body2" color="text.secondary">
        {translate(label)}
      </Typography>
      <Typography variant="h5" component="p">
        {ratio === null ? '—' : formatRatio(ratio, locale)}
      </Typography>
    </Box>
  );
}

/** Current health, uptime over a day and a week, the response-time chart and the latest check's parts. */
export function HealthSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [hours, setHours] = useState<number>(1);
  const intervalMs = Math.max(5, instance.healthIntervalSec) * 1_000;
  const samples = useQuery({
    queryKey: ['hearth', 'instances', instance.id, 'health-samples', hours],
    queryFn: async ({ signal }) => {
      const to = Date.now();
      // A new instance has no history to show: its chart starts when it was created (but spans 5 minutes at least).
      const from = Math.max(to - hours * HOUR_MS, Math.min(Date.parse(instance.createdAt), to - MIN_SPAN_MS));
      const { data } = await dataProvider.getHealthSamples(instance.id, new Date(from).toISOString(), signal);
      return { data, from, to };
    },
    refetchInterval: intervalMs,
    placeholderData: keepPreviousData,
  });
  const latest = samples.data?.data.reduce<(typeof samples.data.data)[number] | undefined>(
    (newest, sample) => (!newest || Date.parse(sample.at) > Date.parse(newest.at) ? sample : newest),
    undefined,
  );
  // The samples are asked for at every check, the instance less often: the newer one speaks.
  const current =
    latest && (!instance.health || Date.parse(latest.at) >= Date.parse(instance.health.checkedAt))
      ? { status: latest.ok ? ('ok' as const) : ('failing' as const), checkedAt: latest.at, latencyMs: latest.latencyMs }
      : instance.health;

  return (
    <Section title="hearth.instances.health.title">
      <Stack spacing={3}>
        <Stack direction="row" spacing={6} sx={{ flexWrap: 'wrap', rowGap: 2 }}>
          <Box>
            <Typography variant="body2" color="text.secondary">
              {translate('hearth.instances.health.current')}
            </Typography>
            <Box sx={{ mt: 1 }} data-testid="instance-health">
              <HealthField health={current} />
            </Box>
            {current && (
              <Typography variant="caption" color="text.secondary">
                {translate('hearth.instances.health.checked_at', {
                  // The reader's own date format, as react-admin's date fields show it.
                  time: new Date(current.checkedAt).toLocaleString(),
                })}
              </Typography>
            )}
          </Box>
          <Uptime label="hearth.instances.health.uptime_day" ratio={instance.uptime.day} />
          <Uptime label="hearth.instances.health.uptime_week" ratio={instance.uptime.week} />
        </Stack>
        <Box>
          <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', mb: 1, flexWrap: 'wrap', gap: 1 }}>
            <Typography variant="subtitle1" component="h3">
              {translate('hearth.instances.health.chart_title')}
            </Typography>
            <ToggleButtonGroup
              size="small"
              exclusive
              value={hours}
              onChange={(_, value: number | null) => value !== null && setHours(value)}
              aria-label={translate('hearth.instances.health.range')}
            >
              {RANGES.map((range) => (
                <ToggleButton key={range.hours} value={range.hours}>
                  {translate(range.label)}
                </ToggleButton>
              ))}
            </ToggleButtonGroup>
          </Stack>
          {samples.isPending ? (
            <Skeleton variant="rectangular" height={180} />
          ) : samples.error ? (
            <Alert severity="error">{samples.error.message}</Alert>
          ) : (
            <LatencyChart samples={samples.data.data} from={samples.data.from} to={samples.data.to} gapMs={intervalMs * 3} />
          )}
        </Box>
        {latest && latest.checks.length > 0 && (
          <Box>
            <Typography variant="subtitle1" component="h3">
              {translate('hearth.instances.health.latest_checks')}
            </Typography>
            <List dense aria-label={translate('hearth.instances.health.latest_checks')}>
              {latest.checks.map((check) => (
                <ListItem key={check.name}>
                  <ListItemIcon>
                    {check.ok ? (
                      <CheckCircleIcon color="success" titleAccess={translate('hearth.instances.health.ok')} />
                    ) : (
                      <ErrorIcon color="error" titleAccess={translate('hearth.instances.health.failing')} />
                    )}
                  </ListItemIcon>
                  <ListItemText
                    primary={check.latencyMs === undefined ? check.name : `${check.name} · ${formatLatency(check.latencyMs, locale)}`}
                    secondary={check.detail}
                  />
                </ListItem>
              ))}
            </List>
          </Box>
        )}
      </Stack>
    </Section>
  );
}
