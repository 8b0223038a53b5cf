import { List, ListItem, ListItemIcon, ListItemText, Typography } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { elapsed, formatDuration } from './duration';
import { STEP_STATUS_LOOK, stepStatusLabel } from './jobStatus';

export function JobSteps() {
  const job = useRecordContext<Job>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!job) return null;
  if (job.steps.length === 0) return <Typography variant="body2">{translate('hearth.jobs.no_steps')}</Typography>;
  return (
    <List dense aria-label={translate('resources.jobs.fields.steps')}>
      {job.steps.map((step) => {
        const { Icon, colour } = STEP_STATUS_LOOK[step.status];
        const took = elapsed(step.startedAt, step.finishedAt);
        const status = translate(stepStatusLabel(step.status));
        return (
          <ListItem key={step.name} data-testid="job-step">
            <ListItemIcon>
              <Icon color={colour ?? 'action'} titleAccess={status} />
            </ListItemIcon>
            <ListItemText
              primary={step.name}
              secondary={
                <>
                  {took === undefined ? status : `${status} · ${formatDuration(took, locale)}`}
                  {step.error && (
                    <Typography component="span" color="error" variant="body2" sx={{ display: 'block' }}>
                      {step.error}
                    </Typography>
                  )}
                </>
              }
            />
          </ListItem>
        );
      })}
    </List>
  );
}
