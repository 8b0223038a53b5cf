import { useEffect, useRef } from 'react';
import { Alert, Box, Stack, Typography } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { Link, RecordContextProvider, useCreatePath, useGetOne, useTranslate } from 'react-admin';
import { JobProgress } from './JobProgress';
import { JobStatusChip } from './JobStatusChip';
import { JobSteps } from './JobSteps';
import { isJobActive } from './jobStatus';

/** A job someone is watching changes step by step, so it is asked for more often than on the Jobs page. */
const FOLLOW_POLL_MS = 1_000;

interface JobFollowerProps {
  jobId: string;
  /** Catalogue key (or text) of the heading, e.g. "Creating family". */
  title: string;
  titleArgs?: Record<string, unknown>;
  /** Called once, when the job has finished (whatever its outcome). */
  onFinished?: (job: Job) => void;
}

/** Follows a running job live: its status, progress and steps, as on its own page. */
export function JobFollower({ jobId, title, titleArgs, onFinished }: JobFollowerProps) {
  const translate = useTranslate();
  const createPath = useCreatePath();
  const { data: job, error } = useGetOne<Job>(
    'jobs',
    { id: jobId },
    { refetchInterval: (query) => (isJobActive(query.state.data?.status) ? FOLLOW_POLL_MS : false) },
  );
  const finished = useRef<string | undefined>(undefined);
  const finishedCallback = useRef(onFinished);
  finishedCallback.current = onFinished;
  useEffect(() => {
    if (job && !isJobActive(job.status) && finished.current !== job.id) {
      finished.current = job.id;
      finishedCallback.current?.(job);
    }
  }, [job]);

  return (
    <Box component="section" aria-label={translate(title, titleArgs)} data-testid="job-follower">
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
        <Typography variant="h6" component="h2">
          {translate(title, titleArgs)}
        </Typography>
        {job && (
          <RecordContextProvider value={job}>
            <JobStatusChip />
          </RecordContextProvider>
        )}
        <Link to={createPath({ resource: 'jobs', type: 'show', id: jobId })} variant="body2">
          {translate('hearth.jobs.open_job')}
        </Link>
      </Stack>
      {error ? (
        <Alert severity="error">{error instanceof Error ? error.message : translate('ra.notification.http_error')}</Alert>
      ) : (
        job && (
          <RecordContextProvider value={job}>
            <JobProgress />
            {job.error && (
              <Alert severity="error" sx={{ mt: 1 }}>
                {job.error}
              </Alert>
            )}
            <JobSteps />
          </RecordContextProvider>
        )
      )}
    </Box>
  );
}
