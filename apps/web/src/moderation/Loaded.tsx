import type { ReactNode } from 'react';
import { Alert, Skeleton } from '@mui/material';
import type { UseQueryResult } from '@tanstack/react-query';
import { useTranslate } from 'react-admin';

/** A failed request, in the API's words (its problem's detail). */
export function RequestFailed({ error }: { error: unknown }) {
  const translate = useTranslate();
  // Without a problem from the API, the message is react-admin's catalogue key for the status.
  const message = error instanceof Error ? error.message : 'ra.notification.http_error';
  return <Alert severity="error">{translate(message, { _: message })}</Alert>;
}

/** A query's answer once it is there; a placeholder while it loads, the API's refusal if it failed. */
export function Loaded<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Skeleton variant="rectangular" height={160} />;
  if (query.isError) return <RequestFailed error={query.error} />;
  return <>{children(query.data)}</>;
}
