import { useId, useState } from 'react';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettings';
import CloseIcon from '@mui/icons-material/Close';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import LockIcon from '@mui/icons-material/Lock';
import LockOpenIcon from '@mui/icons-material/LockOpen';
import PasswordIcon from '@mui/icons-material/Password';
import RemoveModeratorIcon from '@mui/icons-material/RemoveModerator';
import { Alert, Box, Drawer, Grid, IconButton, Stack, Typography } from '@mui/material';
import type { Instance, InstanceUser } from '@hearth/contracts';
import { Labeled, Loading, useDataProvider, useGetOne, useNotify, useRefresh, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { CopyButton } from '../common/CopyButton';
import { formatDateTime } from '../common/dates';
import { formErrors } from '../common/formErrors';
import { ReasonDialog } from '../common/ReasonDialog';
import { TypeToConfirmDialog } from '../common/TypeToConfirmDialog';
import { useRequest } from '../common/useRequest';
import type { HearthDataProvider, IssuedAccountLink } from '../dataProvider';
import { AccountStatusChip } from './AccountStatusChip';
import { type AccountCapability, accountAddress, useUnsupported } from './accountSupport';
import { GatedButton } from './GatedButton';
import { PasswordChoice, type PasswordMethod, SetPasswordLinkDialog, hasLink, isValidAccountPassword, passwordRequest } from './passwords';
import { SessionsSection } from './SessionsSection';

type Account = InstanceUser & { id: string };
type OpenDialog = 'password' | 'admin' | 'lock' | 'unlock' | 'erase';

interface AccountDrawerProps {
  instance: Instance;
  /** The account shown; the drawer is closed without one. */
  username?: string;
  onClose: () => void;
}

/** One account beside the list: its details, what a moderator can do with it, and its sessions. */
export function AccountDrawer({ instance, username, onClose }: AccountDrawerProps) {
  const headingId = useId();
  return (
    <Drawer
      anchor="right"
      open={username !== undefined}
      onClose={onClose}
      slotProps={{ paper: { role: 'dialog', 'aria-labelledby': headingId, sx: { width: { xs: '100%', sm: 560 } } } }}
    >
      {username !== undefined && <AccountDetails instance={instance} username={username} headingId={headingId} onClose={onClose} />}
    </Drawer>
  );
}

function AccountDetails({ instance, username, headingId, onClose }: { instance: Instance; username: string; headingId: string; onClose: () => void }) {
  const translate = useTranslate();
  const { data: account, error } = useGetOne<Account>('instance-users', { id: username, meta: { instanceId: instance.id } }, { retry: false });
  const address = accountAddress(instance.kind, username, instance.domain);
  return (
    <Stack spacing={3} sx={{ p: 3 }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography id={headingId} variant="h5" component="h2" sx={{ wordBreak: 'break-all' }}>
            {username}
          </Typography>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
            <Typography variant="body2" color="text.secondary" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
              {address}
            </Typography>
            <CopyButton text={address} />
          </Box>
        </Box>
        <IconButton aria-label={translate('ra.action.close')} onClick={onClose}>
          <CloseIcon />
        </IconButton>
      </Box>
      {error ? (
        <Alert severity="error">{translate(error instanceof Error ? error.message : 'ra.notification.http_error')}</Alert>
      ) : !account ? (
        <Loading />
      ) : (
        <>
          <AccountFacts instance={instance} account={account} />
          <AccountActions instance={instance} account={account} onErased={onClose} />
          <SessionsSection instance={instance} username={username} />
        </>
      )}
    </Stack>
  );
}

function AccountFacts({ instance, account }: { instance: Instance; account: Account }) {
  const translate = useTranslate();
  return (
    <Grid container spacing={2}>
      <Grid size={6}>
        <Labeled label="resources.instance-users.fields.displayName">
          <Typography variant="body2">{account.displayName ?? '—'}</Typography>
        </Labeled>
      </Grid>
      <Grid size={6}>
        <Labeled label="resources.instance-users.fields.deactivated">
          <AccountStatusChip account={account} />
        </Labeled>
      </Grid>
      {instance.capabilities.includes('users.admin') && (
        <Grid size={6}>
          <Labeled label="resources.instance-users.fields.admin">
            <Typography variant="body2">{translate(account.admin ? 'hearth.accounts.admin_yes' : 'hearth.accounts.admin_no')}</Typography>
          </Labeled>
        </Grid>
      )}
      <Grid size={6}>
        <Labeled label="resources.instance-users.fields.lastSeenAt">
          <Typography variant="body2">{account.lastSeenAt ? formatDateTime(account.lastSeenAt) : translate('hearth.accounts.last_seen_unknown')}</Typography>
        </Labeled>
      </Grid>
    </Grid>
  );
}

/** Reset the password, grant or revoke admin, lock or unlock, erase: for moderators, as far as the server can. */
function AccountActions({ instance, account, onErased }: { instance: Instance; account: Account; onErased: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const unsupported = useUnsupported(instance);
  const mayManage = useCan('instance-users.manage');
  const { pending, run } = useRequest();
  const [dialog, setDialog] = useState<OpenDialog>();
  const [issued, setIssued] = useState<IssuedAccountLink>();
  if (!mayManage) return null;

  const { username } = account;
  const args = { username };
  const done = (message: string) => () => {
    setDialog(undefined);
    notify(message, { type: 'info', messageArgs: args });
    refresh();
  };
  const reasonOf = (reason: string) => reason || undefined;
  const buttons: { dialog: OpenDialog; label: string; Icon: typeof LockIcon; capability: AccountCapability }[] = [
    { dialog: 'password', label: 'hearth.accounts.reset_password', Icon: PasswordIcon, capability: 'users.password' },
    account.admin
      ? { dialog: 'admin', label: 'hearth.accounts.revoke_admin', Icon: RemoveModeratorIcon, capability: 'users.admin' }
      : { dialog: 'admin', label: 'hearth.accounts.grant_admin', Icon: AdminPanelSettingsIcon, capability: 'users.admin' },
    account.deactivated
      ? { dialog: 'unlock', label: 'hearth.accounts.unlock', Icon: LockOpenIcon, capability: 'users.deactivate' }
      : { dialog: 'lock', label: 'hearth.accounts.lock', Icon: LockIcon, capability: 'users.deactivate' },
    { dialog: 'erase', label: 'hearth.accounts.erase', Icon: DeleteForeverIcon, capability: 'users.delete' },
  ];
  return (
    <section aria-label={translate('hearth.accounts.actions')}>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
        {buttons.map(({ dialog: opens, label, Icon, capability }) => (
          <GatedButton
            key={opens}
            label={label}
            icon={<Icon />}
            variant="outlined"
            color={opens === 'erase' ? 'error' : 'primary'}
            onClick={() => setDialog(opens)}
            unsupported={unsupported(capability)}
          />
        ))}
      </Box>
      {(dialog === 'password' || dialog === 'unlock') && (
        <PasswordDialog
          username={username}
          reset={dialog === 'password'}
          pending={pending}
          onClose={() => setDialog(undefined)}
          onConfirm={(request, reason, onError) =>
            dialog === 'password'
              ? run(
                  () => dataProvider.resetAccountPassword(instance.id, username, { ...request, reason }),
                  (answer) => {
                    done('hearth.accounts.password_reset')();
                    setIssued(answer);
                  },
                  onError,
                )
              : 'password' in request &&
                run(() => dataProvider.unlockAccount(instance.id, username, request.password, reason), done('hearth.accounts.unlocked_done'), onError)
          }
        />
      )}
      {dialog === 'admin' && (
        <ReasonDialog
          open
          onClose={() => setDialog(undefined)}
          title={account.admin ? 'hearth.accounts.revoke_admin_title' : 'hearth.accounts.grant_admin_title'}
          content={account.admin ? 'hearth.accounts.revoke_admin_content' : 'hearth.accounts.grant_admin_content'}
          submitLabel={account.admin ? 'hearth.accounts.revoke_admin' : 'hearth.accounts.grant_admin'}
          messageArgs={args}
          pending={pending}
          onConfirm={({ reason }) =>
            run(
              () => dataProvider.setAccountAdmin(instance.id, username, !account.admin, reasonOf(reason)),
              done(account.admin ? 'hearth.accounts.admin_revoked' : 'hearth.accounts.admin_granted'),
            )
          }
        />
      )}
      {dialog === 'lock' && (
        <ReasonDialog
          open
          onClose={() => setDialog(undefined)}
          title="hearth.accounts.lock_title"
          content="hearth.accounts.lock_content"
          submitLabel="hearth.accounts.lock"
          messageArgs={args}
          destructive
          pending={pending}
          onConfirm={({ reason }) => run(() => dataProvider.lockAccount(instance.id, username, reasonOf(reason)), done('hearth.accounts.locked_done'))}
        />
      )}
      <TypeToConfirmDialog
        open={dialog === 'erase'}
        onClose={() => setDialog(undefined)}
        title="hearth.accounts.erase_title"
        content={instance.kind === 'synapse' ? 'hearth.accounts.erase_content_matrix' : 'hearth.accounts.erase_content'}
        confirmLabel="resources.instance-users.fields.username"
        submitLabel="hearth.accounts.erase_submit"
        messageArgs={args}
        expected={username}
        pending={pending}
        onConfirm={({ confirmation, reason }) =>
          run(
            () => dataProvider.eraseAccount(instance.id, username, confirmation, reasonOf(reason)),
            () => {
              onErased();
              done('hearth.accounts.erased')();
            },
          )
        }
      />
      {issued && hasLink(issued) && <SetPasswordLinkDialog issued={issued} onClose={() => setIssued(undefined)} />}
    </section>
  );
}

interface PasswordDialogProps {
  username: string;
  /** A reset may send a one-time link instead; unlocking takes a password. */
  reset: boolean;
  pending: boolean;
  onClose: () => void;
  /** The request's password part, the reason (if any), and where a refusal goes. */
  onConfirm: (request: ReturnType<typeof passwordRequest>, reason: string | undefined, onError: (error: unknown) => void) => void;
}

/**
 * A new password (or, for a reset, a one-time link). Unlocking always sets one, so whoever had
 * the old password stays out.
 */
function PasswordDialog({ username, reset, pending, onClose, onConfirm }: PasswordDialogProps) {
  const [method, setMethod] = useState<PasswordMethod>(reset ? 'link' : 'password');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const valid = method === 'link' || isValidAccountPassword(password);
  return (
    <ReasonDialog
      open
      onClose={onClose}
      title={reset ? 'hearth.accounts.reset_title' : 'hearth.accounts.unlock_title'}
      content={reset ? 'hearth.accounts.reset_content' : 'hearth.accounts.unlock_content'}
      submitLabel={reset ? 'hearth.accounts.reset_password' : 'hearth.accounts.unlock'}
      messageArgs={{ username }}
      ready={valid}
      pending={pending}
      onConfirm={({ reason }) => onConfirm(passwordRequest(method, password), reason || undefined, (failure) => setError(problemOf(failure)))}
    >
      <PasswordChoice
        offerLink={reset}
        method={method}
        onMethod={setMethod}
        password={password}
        onPassword={(value) => {
          setPassword(value);
          setError(undefined);
        }}
        error={error ?? (password && !valid ? 'hearth.accounts.password_rules' : undefined)}
      />
    </ReasonDialog>
  );
}

/** A refused password's message, from the API's field error or its problem. */
function problemOf(error: unknown): string {
  const { fields, problem } = formErrors(error);
  return fields.password ?? problem ?? Object.values(fields)[0];
}
