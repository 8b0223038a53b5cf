import { useState } from 'react';
import { Alert, Box, FormControl, FormControlLabel, FormLabel, Radio, RadioGroup, TextField, Typography } from '@mui/material';
import { type Backup, InstanceName } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { FormDialog } from '../common/FormDialog';
import { useFormRequest } from '../common/useRequest';
import { type RestoreAccepted, backupsApi } from './backupsApi';
import { IdentityInput } from './IdentityInput';

type Mode = 'same' | 'new';

/** Refusals about one field go under it; the others above the form. */
const CODE_FIELDS = {
  'restore/identity_mismatch': 'identity',
  'restore/identity_invalid': 'identity',
  'backup/confirmation_mismatch': 'confirm',
  'instance/name_taken': 'name',
};

export interface RestoreStarted extends RestoreAccepted {
  mode: Mode;
  /** The instance restored into. */
  name: string;
}

interface RestoreDialogProps {
  backup: Backup;
  onClose: () => void;
  onStarted: (started: RestoreStarted) => void;
}

/**
 * Restores a backup: into the instance it came from (whose name is typed to confirm, since its
 * current data is replaced) or into a new instance. The new one takes the backup's domain, which
 * must be free: while the original instance exists, only restoring into it is possible.
 */
export function RestoreDialog({ backup, onClose, onStarted }: RestoreDialogProps) {
  const translate = useTranslate();
  const originalExists = backup.instanceId !== null;
  const [mode, setMode] = useState<Mode>(originalExists ? 'same' : 'new');
  const [confirm, setConfirm] = useState('');
  const [name, setName] = useState('');
  const [identity, setIdentity] = useState('');
  const [reason, setReason] = useState('');
  const { pending, errors, problem, submit } = useFormRequest(CODE_FIELDS);
  const args = { name: backup.instanceName, domain: backup.domain, date: formatDateTime(backup.startedAt) };
  const nameValid = InstanceName.safeParse(name.trim()).success;
  const ready = identity.trim() !== '' && (mode === 'same' ? confirm.trim() === backup.instanceName : nameValid);

  const send = () => {
    const common = { identity, reason: reason.trim() || undefined };
    const target = mode === 'same' ? backup.instanceName : name.trim();
    void submit(
      {},
      // Sent once, then dropped from the form whatever the answer: a wrong key is chosen again.
      () =>
        backupsApi
          .restore(backup.id, mode === 'same' ? { mode, confirm: confirm.trim(), ...common } : { mode, name: target, ...common })
          .finally(() => setIdentity('')),
      (accepted) => onStarted({ ...accepted, mode, name: target }),
    );
  };

  return (
    <FormDialog
      onClose={onClose}
      title="hearth.backups.restore.title"
      submitLabel="hearth.backups.restore.submit"
      messageArgs={args}
      disabled={!ready || pending}
      destructive={mode === 'same'}
      onSubmit={send}
    >
      {problem && <Alert severity="error">{problem}</Alert>}
      <FormControl component="fieldset">
        <FormLabel component="legend">{translate('hearth.backups.restore.where')}</FormLabel>
        <RadioGroup value={mode} onChange={(event) => setMode(event.target.value as Mode)}>
          <FormControlLabel
            value="same"
            disabled={!originalExists}
            control={<Radio />}
            label={
              <Box sx={{ py: 0.5 }}>
                <Typography>{translate('hearth.backups.restore.same', args)}</Typography>
                <Typography variant="body2" color="text.secondary">
                  {translate(originalExists ? 'hearth.backups.restore.same_help' : 'hearth.backups.restore.same_gone', args)}
                </Typography>
              </Box>
            }
          />
          <FormControlLabel
            value="new"
            disabled={originalExists}
            control={<Radio />}
            label={
              <Box sx={{ py: 0.5 }}>
                <Typography>{translate('hearth.backups.restore.new')}</Typography>
                <Typography variant="body2" color="text.secondary">
                  {translate(originalExists ? 'hearth.backups.restore.new_domain_taken' : 'hearth.backups.restore.new_help', args)}
                </Typography>
              </Box>
            }
          />
        </RadioGroup>
      </FormControl>
      {mode === 'same' ? (
        <>
          <Alert severity="warning">{translate('hearth.backups.restore.same_warning', args)}</Alert>
          <TextField
            label={translate('hearth.backups.restore.confirm', args)}
            value={confirm}
            onChange={(event) => setConfirm(event.target.value)}
            autoComplete="off"
            error={Boolean(errors.confirm)}
            helperText={errors.confirm}
            slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none' } }}
          />
        </>
      ) : (
        <TextField
          label={translate('hearth.backups.restore.name')}
          value={name}
          onChange={(event) => setName(event.target.value)}
          autoComplete="off"
          error={Boolean(errors.name) || (name !== '' && !nameValid)}
          helperText={errors.name ?? translate(name !== '' && !nameValid ? 'hearth.instances.wizard.name_invalid' : 'hearth.instances.wizard.name_help')}
          slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 40 } }}
        />
      )}
      {/* The refusal of a key stays until another is given. */}
      <IdentityInput value={identity} onChange={setIdentity} error={identity ? undefined : errors.identity} />
      <TextField label={translate('hearth.common.reason')} value={reason} onChange={(event) => setReason(event.target.value)} multiline slotProps={{ htmlInput: { maxLength: 500 } }} />
    </FormDialog>
  );
}
