import { Box, LinearProgress, Typography } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { useRecordContext, useTranslate } from 'react-admin';

export function JobProgress() {
  const job = useRecordContext<Job>();
  const translate = useTranslate();
  if (!job) return null;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 240 }}>
      <LinearProgress
        variant="determinate"
        value={job.progress}
        color={job.status === 'failed' ? 'error' : 'primary'}
        aria-label={translate('resources.jobs.fields.progress')}
        sx={{ flexGrow: 1, height: 8, borderRadius: 1 }}
      />
      <Typography variant="body2">{translate('hearth.jobs.percent', { percent: Math.round(job.progress) })}</Typography>
    </Box>
  );
}
