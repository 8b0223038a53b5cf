import { useState } from 'react';
import { Alert, TextField, Typography } from '@mui/material';
import { AgeRecipientKey, type BackupRecipient } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { FormDialog } from '../../common/FormDialog';
import { useFormRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';
import { RECIPIENT_CODE_FIELDS, checkName } from './recipientForm';

interface AddRecipientDialogProps {
  onClose: () => void;
  onAdded: (recipient: BackupRecipient) => void;
}

/** Adds a public key made elsewhere (age-keygen on the operator's computer, a hardware key's plugin). */
export function AddRecipientDialog({ onClose, onAdded }: AddRecipientDialogProps) {
  const translate = useTranslate();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const { pending, errors, problem, submit } = useFormRequest(RECIPIENT_CODE_FIELDS);
  const send = () => {
    const found = {
      ...checkName(name, translate),
      ...(AgeRecipientKey.safeParse(publicKey).success ? {} : { publicKey: translate('hearth.backups.recipients.add.key_invalid') }),
    };
    void submit(found, () => backupsApi.addRecipient({ name: name.trim(), publicKey: publicKey.trim() }), onAdded);
  };
  return (
    <FormDialog onClose={onClose} title="hearth.backups.recipients.add.title" submitLabel="hearth.backups.recipients.add.submit" disabled={pending} onSubmit={send}>
      <Typography variant="body2">{translate('hearth.backups.recipients.add.intro')}</Typography>
      {problem && <Alert severity="error">{problem}</Alert>}
      <TextField
        label={translate('hearth.backups.recipients.fields.name')}
        value={name}
        onChange={(event) => setName(event.target.value)}
        autoFocus
        autoComplete="off"
        required
        error={Boolean(errors.name)}
        helperText={errors.name ?? translate('hearth.backups.recipients.name_help')}
        slotProps={{ htmlInput: { maxLength: 100 } }}
      />
      <TextField
        label={translate('hearth.backups.recipients.fields.public_key')}
        value={publicKey}
        onChange={(event) => setPublicKey(event.target.value)}
        autoComplete="off"
        required
        error={Boolean(errors.publicKey)}
        helperText={errors.publicKey ?? translate('hearth.backups.recipients.add.key_help')}
        slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', sx: { fontFamily: 'monospace' } } }}
      />
    </FormDialog>
  );
}
