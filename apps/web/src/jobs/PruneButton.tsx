import DeleteSweepIcon from '@mui/icons-material/DeleteSweep';
import { useMutation } from '@tanstack/react-query';
import { Button, useDataProvider, useNotify, useRedirect } from 'react-admin';
import { useCan } from '../access';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider } from '../dataProvider';

/** Starts the maintenance job that removes expired sessions and tokens, then follows it. */
export function PruneButton() {
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  const redirect = useRedirect();
  const notifyError = useNotifyError();
  const mayManage = useCan('jobs.manage');
  const prune = useMutation({
    mutationFn: () => dataProvider.pruneNow(),
    onSuccess: ({ jobId }) => {
      notify('hearth.jobs.prune_started', { type: 'info' });
      redirect('show', 'jobs', jobId);
    },
    onError: notifyError,
  });
  if (!mayManage) return null;
  return (
    <Button label="hearth.jobs.prune" onClick={() => prune.mutate()} disabled={prune.isPending}>
      <DeleteSweepIcon />
    </Button>
  );
}
