import { Stack, Typography } from '@mui/material';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import type { Instance } from '@hearth/contracts';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { formatLatency } from './format';

/**
 * The latest health check: passing (with its latency) or failing; "not checked yet" before the
 * first. `health` overrides the record's, e.g. with a fresher sample.
 */
export function HealthField({ health: given }: { health?: Instance['health'] }) {
  const instance = useRecordContext<Instance>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!instance && given === undefined) return null;
  const health = given === undefined ? instance!.health : given;
  if (!health) return <Typography variant="body2">{translate('hearth.instances.health.none')}</Typography>;
  const ok = health.status === 'ok';
  const label = translate(ok ? 'hearth.instances.health.ok' : 'hearth.instances.health.failing');
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      {ok ? <CheckCircleIcon fontSize="small" color="success" /> : <ErrorIcon fontSize="small" color="error" />}
      <Typography variant="body2">
        {!ok || health.latencyMs == null ? label : `${label} · ${formatLatency(health.latencyMs, locale)}`}
      </Typography>
    </Stack>
  );
}
