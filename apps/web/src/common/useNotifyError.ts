import { useNotify } from 'react-admin';

/** Notifies a failed call; API errors carry the problem's `detail` as their message. */
export function useNotifyError() {
  const notify = useNotify();
  return (error: unknown) =>
    notify(error instanceof Error ? error.message : 'ra.notification.http_error', { type: 'error' });
}
