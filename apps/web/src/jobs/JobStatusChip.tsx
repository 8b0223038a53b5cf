import { Chip } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { useRecordContext, useTranslate } from 'react-admin';
import { JOB_STATUS_LOOK, jobStatusLabel } from './jobStatus';

export function JobStatusChip() {
  const job = useRecordContext<Job>();
  const translate = useTranslate();
  if (!job) return null;
  const { Icon, colour } = JOB_STATUS_LOOK[job.status];
  return (
    <Chip
      size="small"
      icon={<Icon />}
      color={colour ?? 'default'}
      variant="outlined"
      label={translate(jobStatusLabel(job.status))}
    />
  );
}
