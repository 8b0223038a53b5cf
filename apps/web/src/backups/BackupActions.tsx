import { useState } from 'react';
import DeleteIcon from '@mui/icons-material/Delete';
import FactCheckIcon from '@mui/icons-material/FactCheck';
import RestoreIcon from '@mui/icons-material/Restore';
import ScienceIcon from '@mui/icons-material/Science';
import type { Backup } from '@hearth/contracts';
import { Button, TopToolbar, useNotify, useRecordContext, useRedirect } from 'react-admin';
import { useCan } from '../access';
import { TypeToConfirmDialog } from '../common/TypeToConfirmDialog';
import { useRequest } from '../common/useRequest';
import { backupsApi } from './backupsApi';
import { isRestorable } from './backupStatus';
import { DrillDialog } from './DrillDialog';
import { type RestoreStarted, RestoreDialog } from './RestoreDialog';

export type BackupOperation = { name: 'verify' | 'drill'; jobId: string } | { name: 'restore'; jobId: string; restore: RestoreStarted };

interface BackupActionsProps {
  /** An operation started here is still running: no other may start meanwhile. */
  busy: boolean;
  onStarted: (operation: BackupOperation) => void;
}

/** Verify, drill, restore and delete (typing the start of its id); admins and owners only. */
export function BackupActions({ busy, onStarted }: BackupActionsProps) {
  const backup = useRecordContext<Backup>();
  const mayManage = useCan('backups.manage');
  const notify = useNotify();
  const redirect = useRedirect();
  const verify = useRequest();
  const remove = useRequest();
  const [dialog, setDialog] = useState<'drill' | 'restore' | 'delete'>();
  if (!backup || !mayManage) return <TopToolbar />;

  const close = () => setDialog(undefined);
  const restorable = isRestorable(backup);
  const code = backup.id.slice(0, 8);
  // A pruned backup keeps its object's name, but the object is gone: there is nothing to read back.
  const stored = backup.objectKey !== null && backup.status !== 'running' && backup.status !== 'pruned';
  return (
    <TopToolbar>
      <Button
        label="hearth.backups.actions.verify"
        disabled={busy || verify.pending || !stored}
        onClick={() => verify.run(() => backupsApi.verify(backup.id), ({ jobId }) => onStarted({ name: 'verify', jobId }))}
      >
        <FactCheckIcon />
      </Button>
      <Button label="hearth.backups.actions.drill" disabled={busy || !restorable} onClick={() => setDialog('drill')}>
        <ScienceIcon />
      </Button>
      <Button label="hearth.backups.actions.restore" disabled={busy || !restorable} onClick={() => setDialog('restore')}>
        <RestoreIcon />
      </Button>
      <Button label="hearth.backups.actions.delete" color="error" disabled={busy || backup.status === 'running'} onClick={() => setDialog('delete')}>
        <DeleteIcon />
      </Button>
      {dialog === 'drill' && (
        <DrillDialog
          backup={backup}
          onClose={close}
          onStarted={(jobId) => {
            close();
            onStarted({ name: 'drill', jobId });
          }}
        />
      )}
      {dialog === 'restore' && (
        <RestoreDialog
          backup={backup}
          onClose={close}
          onStarted={(restore) => {
            close();
            onStarted({ name: 'restore', jobId: restore.jobId, restore });
          }}
        />
      )}
      <TypeToConfirmDialog
        open={dialog === 'delete'}
        onClose={close}
        title="hearth.backups.delete.title"
        content="hearth.backups.delete.content"
        confirmLabel="hearth.backups.delete.confirm_label"
        submitLabel="hearth.backups.delete.submit"
        messageArgs={{ name: backup.instanceName, target: backup.targetName, code }}
        expected={code}
        pending={remove.pending}
        onConfirm={({ confirmation, reason }) =>
          remove.run(
            () => backupsApi.remove(backup.id, confirmation, reason || undefined),
            () => {
              notify('hearth.backups.delete.done', { type: 'info' });
              redirect('list', 'backups');
            },
          )
        }
      />
    </TopToolbar>
  );
}
