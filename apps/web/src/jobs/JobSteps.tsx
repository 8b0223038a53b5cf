import { Box, LinearProgress, List, ListItem, ListItemIcon, ListItemText, Typography } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { elapsed, formatDuration } from './duration';
import { STEP_STATUS_LOOK, stepStatusLabel } from './jobStatus';

type JobStep = Job['steps'][number];

/** A long step's own progress while it runs (e.g. building Synapse's root filesystem): a bar and what it is doing. */
function StepProgress({ step }: { step: JobStep }) {
  const translate = useTranslate();
  if (step.status !== 'running' || (step.progress === undefined && !step.detail)) return null;
  return (
    <Box component="span" sx={{ display: 'block', mt: 0.5, maxWidth: 480 }} data-testid="job-step-progress">
      {step.progress !== undefined && (
        <Box component="span" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <LinearProgress
            variant="determinate"
            value={step.progress}
            aria-label={translate('hearth.jobs.step_progress', { name: step.name })}
            sx={{ flexGrow: 1, height: 6, borderRadius: 1 }}
          />
          <Typography component="span" variant="body2">
            {translate('hearth.jobs.percent', { percent: Math.round(step.progress) })}
          </Typography>
        </Box>
      )}
      {step.detail && (
        <Typography component="span" variant="body2" color="text.secondary" sx={{ display: 'block', wordBreak: 'break-word' }}>
          {step.detail}
        </Typography>
      )}
    </Box>
  );
}

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
                  <StepProgress step={step} />
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
