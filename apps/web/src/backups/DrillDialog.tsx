import { useState } from 'react';
import { Alert, Typography } from '@mui/material';
import type { Backup } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { FormDialog } from '../common/FormDialog';
import { useFormRequest } from '../common/useRequest';
import { backupsApi } from './backupsApi';
import { IdentityInput } from './IdentityInput';

const CODE_FIELDS = {
  'restore/identity_mismatch': 'identity',
  'restore/identity_invalid': 'identity',
};

interface DrillDialogProps {
  backup: Backup;
  onClose: () => void;
  onStarted: (jobId: string) => void;
}

/** Proves a backup restores, with the operator's key, without touching the instance it came from. */
export function DrillDialog({ backup, onClose, onStarted }: DrillDialogProps) {
  const translate = useTranslate();
  const [identity, setIdentity] = useState('');
  const { pending, errors, problem, submit } = useFormRequest(CODE_FIELDS);
  const args = { name: backup.instanceName, date: formatDateTime(backup.startedAt) };
  const send = () =>
    void submit(
      {},
      // Sent once, then dropped from the form whatever the answer: a wrong key is chosen again.
      () => backupsApi.drill(backup.id, identity).finally(() => setIdentity('')),
      ({ jobId }) => onStarted(jobId),
    );
  return (
    <FormDialog
      onClose={onClose}
      title="hearth.backups.drill.title"
      submitLabel="hearth.backups.drill.submit"
      messageArgs={args}
      disabled={identity.trim() === '' || pending}
      onSubmit={send}
    >
      <Typography variant="body2">{translate('hearth.backups.drill.intro', args)}</Typography>
      {problem && <Alert severity="error">{problem}</Alert>}
      {/* The refusal of a key stays until another is given. */}
      <IdentityInput value={identity} onChange={setIdentity} error={identity ? undefined : errors.identity} />
    </FormDialog>
  );
}
