import { Alert, Box, Stack, Typography } from '@mui/material';
import type { Job } from '@hearth/contracts';
import { Link, RecordContextProvider, useGetOne, useTranslate } from 'react-admin';
import { JobStatusChip } from '../jobs/JobStatusChip';
import { isJobActive } from '../jobs/jobStatus';
import type { PolicyUpdated } from './retentionApi';
import { useInstanceNames } from './useInstanceNames';

const POLL_MS = 2_000;

/** A re-apply job's status, kept up to date while it runs, and the way to its page. */
function JobLink({ jobId }: { jobId: string }) {
  const translate = useTranslate();
  const { data: job } = useGetOne<Job>('jobs', { id: jobId }, { refetchInterval: (query) => (isJobActive(query.state.data?.status) ? POLL_MS : false) });
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      {job && (
        <RecordContextProvider value={job}>
          <JobStatusChip />
        </RecordContextProvider>
      )}
      <Link to={`/jobs/${encodeURIComponent(jobId)}/show`} variant="body2">
        {translate('hearth.jobs.open_job')}
      </Link>
    </Stack>
  );
}

/** What saving did: the policy saved, and each server it was applied to again (a job each), or why not. */
export function AppliedJobs({ result }: { result: PolicyUpdated }) {
  const translate = useTranslate();
  const nameOf = useInstanceNames();
  const failed = result.applied.some((applied) => applied.error);
  return (
    <Alert severity={failed ? 'warning' : 'success'} data-testid="policy-applied">
      <Typography variant="body2" sx={{ fontWeight: 500 }}>
        {translate('hearth.privacy.edit.saved', { name: result.policy.name })}
      </Typography>
      {result.applied.length === 0 ? (
        <Typography variant="body2">{translate('hearth.privacy.edit.applied_none')}</Typography>
      ) : (
        <>
          <Typography variant="body2">{translate('hearth.privacy.edit.applied', { smart_count: result.applied.length })}</Typography>
          <Box component="ul" sx={{ m: 0, mt: 1, pl: 2 }}>
            {result.applied.map((applied) => (
              <li key={applied.instanceId}>
                <Stack direction="row" spacing={2} sx={{ alignItems: 'center', flexWrap: 'wrap', py: 0.25 }}>
                  <Link to={`/instances/${encodeURIComponent(applied.instanceId)}/show`} variant="body2">
                    {nameOf(applied.instanceId)}
                  </Link>
                  {applied.jobId ? (
                    <JobLink jobId={applied.jobId} />
                  ) : (
                    <Typography variant="body2" color="error">
                      {translate('hearth.privacy.edit.not_applied', { error: applied.error ?? '' })}
                    </Typography>
                  )}
                </Stack>
              </li>
            ))}
          </Box>
        </>
      )}
    </Alert>
  );
}
