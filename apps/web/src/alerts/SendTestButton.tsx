import SendIcon from '@mui/icons-material/Send';
import { useMutation } from '@tanstack/react-query';
import type { AlertChannel } from '@hearth/contracts';
import { Button, useDataProvider, useNotify, useRecordContext } from 'react-admin';
import { useCan } from '../access';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider } from '../dataProvider';

/** Queues a test alert to the channel (even a disabled one), so the operator can see it arrive where it should. */
export function SendTestButton() {
  const channel = useRecordContext<AlertChannel>();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  const notifyError = useNotifyError();
  const mayManage = useCan('alerts.manage');
  const send = useMutation({
    mutationFn: (id: string) => dataProvider.testAlertChannel(id),
    onSuccess: () => notify('hearth.alerts.test_sent', { type: 'info', messageArgs: { name: channel?.name } }),
    onError: notifyError,
  });
  if (!channel || !mayManage) return null;
  return (
    <Button
      label="hearth.alerts.send_test"
      disabled={send.isPending}
      onClick={(event) => {
        // In a list row, the click must not also open the row.
        event.stopPropagation();
        send.mutate(channel.id);
      }}
    >
      <SendIcon />
    </Button>
  );
}
