import { useState } from 'react';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import LockIcon from '@mui/icons-material/Lock';
import LogoutIcon from '@mui/icons-material/Logout';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
} from '@mui/material';
import type { Instance } from '@hearth/contracts';
import { useDataProvider, useListContext, useRefresh, useTranslate } from 'react-admin';
import { ReasonDialog } from '../common/ReasonDialog';
import { TypeToConfirmDialog } from '../common/TypeToConfirmDialog';
import { useRequest } from '../common/useRequest';
import type { BulkAccountsResult, HearthDataProvider } from '../dataProvider';
import { type AccountCapability, useUnsupported } from './accountSupport';
import { GatedButton } from './GatedButton';

export type BulkAction = 'deactivate' | 'sign-out' | 'erase';

/** What one bulk action did, for the summary. */
export interface BulkOutcome {
  action: BulkAction;
  result: BulkAccountsResult;
}

const BULK: Record<BulkAction, { capability: AccountCapability; label: string; Icon: typeof LockIcon; title: string; content: string; done: string }> = {
  deactivate: {
    capability: 'users.deactivate',
    label: 'hearth.accounts.bulk.lock',
    Icon: LockIcon,
    title: 'hearth.accounts.bulk.lock_title',
    content: 'hearth.accounts.bulk.lock_content',
    done: 'hearth.accounts.bulk.lock_done',
  },
  'sign-out': {
    capability: 'sessions.revoke',
    label: 'hearth.accounts.bulk.sign_out',
    Icon: LogoutIcon,
    title: 'hearth.accounts.bulk.sign_out_title',
    content: 'hearth.accounts.bulk.sign_out_content',
    done: 'hearth.accounts.bulk.sign_out_done',
  },
  erase: {
    capability: 'users.delete',
    label: 'hearth.accounts.bulk.erase',
    Icon: DeleteForeverIcon,
    title: 'hearth.accounts.bulk.erase_title',
    content: 'hearth.accounts.bulk.erase_content',
    done: 'hearth.accounts.bulk.erase_done',
  },
};

/**
 * Lock, sign out or erase the selected accounts (erasing confirmed by typing their number); the
 * page shows what succeeded and what failed through `onDone`.
 */
export function AccountBulkActions({ instance, onDone }: { instance: Instance; onDone: (outcome: BulkOutcome) => void }) {
  const { selectedIds, onUnselectItems } = useListContext();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const refresh = useRefresh();
  const unsupported = useUnsupported(instance);
  const { pending, run } = useRequest();
  const [action, setAction] = useState<BulkAction>();
  const usernames = selectedIds.map(String);
  const count = usernames.length;

  const apply = (chosen: BulkAction, reason: string) =>
    run(
      () =>
        dataProvider.bulkAccounts(instance.id, {
          action: chosen,
          usernames,
          reason: reason || undefined,
          ...(chosen === 'erase' && { confirm: count }),
        }),
      (result) => {
        setAction(undefined);
        onUnselectItems();
        refresh();
        onDone({ action: chosen, result });
      },
    );

  return (
    <>
      {(Object.keys(BULK) as BulkAction[]).map((name) => {
        const { capability, label, Icon } = BULK[name];
        return (
          <GatedButton
            key={name}
            label={label}
            icon={<Icon />}
            onClick={() => setAction(name)}
            unsupported={unsupported(capability)}
            color={name === 'erase' ? 'error' : 'primary'}
          />
        );
      })}
      {action && action !== 'erase' && (
        <ReasonDialog
          open
          onClose={() => setAction(undefined)}
          title={BULK[action].title}
          content={BULK[action].content}
          submitLabel={BULK[action].label}
          messageArgs={{ smart_count: count }}
          pending={pending}
          onConfirm={({ reason }) => apply(action, reason)}
        />
      )}
      <TypeToConfirmDialog
        open={action === 'erase'}
        onClose={() => setAction(undefined)}
        title={BULK.erase.title}
        content={BULK.erase.content}
        confirmLabel="hearth.accounts.bulk.erase_confirm_label"
        submitLabel={BULK.erase.label}
        messageArgs={{ smart_count: count }}
        expected={String(count)}
        pending={pending}
        onConfirm={({ reason }) => apply('erase', reason)}
      />
    </>
  );
}

/** What a bulk action did: how many accounts it changed, and why each of the others failed. */
export function BulkOutcomeDialog({ outcome, onClose }: { outcome: BulkOutcome; onClose: () => void }) {
  const translate = useTranslate();
  const { succeeded, failed, results } = outcome.result;
  const failures = results.filter((result) => !result.ok);
  return (
    <Dialog open onClose={onClose} aria-labelledby="bulk-outcome-title" fullWidth maxWidth="sm">
      <DialogTitle id="bulk-outcome-title">{translate(BULK[outcome.action].done, { smart_count: succeeded })}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          {failed === 0 ? (
            <Alert severity="success">{translate('hearth.accounts.bulk.all_succeeded', { smart_count: succeeded })}</Alert>
          ) : (
            <>
              <Alert severity={succeeded === 0 ? 'error' : 'warning'}>
                {translate('hearth.accounts.bulk.some_failed', { smart_count: failed, succeeded })}
              </Alert>
              <Table size="small" aria-label={translate('hearth.accounts.bulk.failures')}>
                <TableHead>
                  <TableRow>
                    <TableCell>{translate('resources.instance-users.fields.username')}</TableCell>
                    <TableCell>{translate('hearth.accounts.bulk.why')}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {failures.map((failure) => (
                    <TableRow key={failure.username}>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{failure.username}</TableCell>
                      <TableCell>{failure.message ?? failure.code}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose}>
          {translate('ra.action.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
