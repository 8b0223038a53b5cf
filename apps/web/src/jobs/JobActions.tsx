import CancelIcon from '@mui/icons-material/Cancel';
import ReplayIcon from '@mui/icons-material/Replay';
import type { Job } from '@hearth/contracts';
import { Button, TopToolbar, useDataProvider, useNotify, useRecordContext, useRedirect, useRefresh } from 'react-admin';
import { useMutation } from '@tanstack/react-query';
import { useCan } from '../access';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider, JobAccepted } from '../dataProvider';
import { isJobActive } from './jobStatus';

type JobCommand = 'retryJob' | 'cancelJob';

function useJobCommand(command: JobCommand, successMessage: string) {
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  const redirect = useRedirect();
  const refresh = useRefresh();
  const notifyError = useNotifyError();
  return useMutation({
    mutationFn: (id: Job['id']) => dataProvider[command](id),
    onSuccess: ({ jobId }: JobAccepted) => {
      notify(successMessage, { type: 'info' });
      redirect('show', 'jobs', jobId);
      refresh();
    },
    onError: notifyError,
  });
}

/** Retry for finished-but-unsuccessful jobs, cancel for live ones; admins and owners only. */
export function JobActions() {
  const job = useRecordContext<Job>();
  const mayManage = useCan('jobs.manage');
  const retry = useJobCommand('retryJob', 'hearth.jobs.retried');
  const cancel = useJobCommand('cancelJob', 'hearth.jobs.cancel_requested');
  if (!job || !mayManage) return <TopToolbar />;
  return (
    <TopToolbar>
      {(job.status === 'failed' || job.status === 'cancelled') && (
        <Button label="hearth.jobs.retry" onClick={() => retry.mutate(job.id)} disabled={retry.isPending}>
          <ReplayIcon />
        </Button>
      )}
      {isJobActive(job.status) && (
        <Button label="hearth.jobs.cancel" onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending}>
          <CancelIcon />
        </Button>
      )}
    </TopToolbar>
  );
}
