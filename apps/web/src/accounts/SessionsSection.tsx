import { useState } from 'react';
import LogoutIcon from '@mui/icons-material/Logout';
import { Alert, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { AccountSession, Instance } from '@hearth/contracts';
import { Confirm, LinearProgress, useDataProvider, useLocale, useNotify, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { formatDateTime } from '../common/dates';
import { useRequest } from '../common/useRequest';
import type { HearthDataProvider } from '../dataProvider';
import { useUnsupported } from './accountSupport';
import { GatedButton } from './GatedButton';

const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
] as const;

/** "42 min", "3 hr", "2 days": how long a session has been connected, in its largest whole unit. */
function formatDuration(seconds: number, locale: string): string {
  const [unit, size] = UNITS.find(([, size]) => seconds >= size) ?? UNITS[UNITS.length - 1];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 0 }).format(Math.floor(seconds / size));
}

/** The account's logged-in clients (XMPP resources, Matrix devices), each of which a moderator can sign out. */
export function SessionsSection({ instance, username }: { instance: Instance; username: string }) {
  const translate = useTranslate();
  const unsupported = useUnsupported(instance);
  const cannotList = unsupported('sessions.list');
  return (
    <Stack component="section" spacing={1} aria-label={translate('hearth.accounts.sessions.title')}>
      <Typography variant="h6" component="h3">
        {translate('hearth.accounts.sessions.title')}
      </Typography>
      {cannotList ? <Typography color="text.secondary">{cannotList}</Typography> : <Sessions instance={instance} username={username} />}
    </Stack>
  );
}

function Sessions({ instance, username }: { instance: Instance; username: string }) {
  const translate = useTranslate();
  const locale = useLocale();
  const notify = useNotify();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const unsupported = useUnsupported(instance);
  const mayManage = useCan('instance-users.manage');
  const { pending, run } = useRequest();
  const [revoking, setRevoking] = useState<AccountSession>();
  const { data, error, refetch } = useQuery({
    queryKey: ['instance-users', instance.id, username, 'sessions'],
    queryFn: ({ signal }) => dataProvider.getAccountSessions(instance.id, username, signal),
    retry: false,
  });
  if (error) return <Alert severity="error">{error.message}</Alert>;
  if (!data) return <LinearProgress />;
  if (data.total === 0) return <Typography color="text.secondary">{translate('hearth.accounts.sessions.none')}</Typography>;
  return (
    <>
      <Table size="small" aria-label={translate('hearth.accounts.sessions.title')}>
        <TableHead>
          <TableRow>
            <TableCell>{translate('hearth.accounts.sessions.client')}</TableCell>
            <TableCell>{translate('hearth.accounts.sessions.connected')}</TableCell>
            <TableCell>{translate('hearth.accounts.sessions.last_seen')}</TableCell>
            {mayManage && <TableCell />}
          </TableRow>
        </TableHead>
        <TableBody>
          {data.data.map((session) => (
            <TableRow key={session.id}>
              <TableCell sx={{ wordBreak: 'break-all' }}>{session.displayName ?? session.id}</TableCell>
              <TableCell>{session.connectedSeconds === null ? '—' : formatDuration(session.connectedSeconds, locale)}</TableCell>
              <TableCell>{session.lastSeenAt ? formatDateTime(session.lastSeenAt, locale) : '—'}</TableCell>
              {mayManage && (
                <TableCell align="right">
                  <GatedButton
                    label="hearth.accounts.sessions.revoke"
                    icon={<LogoutIcon />}
                    onClick={() => setRevoking(session)}
                    unsupported={unsupported('sessions.revoke')}
                  />
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Confirm
        isOpen={revoking !== undefined}
        loading={pending}
        title="hearth.accounts.sessions.revoke_title"
        content="hearth.accounts.sessions.revoke_content"
        confirm="hearth.accounts.sessions.revoke"
        translateOptions={{ client: revoking?.displayName ?? revoking?.id, username }}
        onClose={() => setRevoking(undefined)}
        onConfirm={() =>
          revoking &&
          run(
            () => dataProvider.revokeAccountSession(instance.id, username, revoking.id),
            () => {
              setRevoking(undefined);
              notify('hearth.accounts.sessions.revoked', { type: 'info' });
              refetch();
            },
          )
        }
      />
    </>
  );
}
