import { useState } from 'react';
import { Alert, TextField, Typography } from '@mui/material';
import type { BackupAccepted, BackupRecipient, BackupTarget, Instance } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { FormDialog } from '../../common/FormDialog';
import { useFormRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';
import { RecipientChoice } from './RecipientChoice';
import { TargetChoice } from './TargetChoice';

interface BackUpNowDialogProps {
  instance: Instance;
  targets: BackupTarget[];
  recipients: BackupRecipient[];
  onClose: () => void;
  onStarted: (accepted: BackupAccepted) => void;
}

/** The only one there is is the likely choice; among several the operator picks. */
const onlyOne = <T extends { id: string }>(items: T[]) => (items.length === 1 ? [items[0].id] : []);

/** Backs the instance up now, to a target and encrypted to the chosen keys; a job does it. */
export function BackUpNowDialog({ instance, targets, recipients, onClose, onStarted }: BackUpNowDialogProps) {
  const translate = useTranslate();
  const [targetId, setTargetId] = useState(onlyOne(targets)[0] ?? '');
  const [recipientIds, setRecipientIds] = useState(onlyOne(recipients));
  const [reason, setReason] = useState('');
  const { pending, errors, problem, submit } = useFormRequest();
  const send = () => {
    const found = {
      ...(targetId ? {} : { targetId: translate('ra.validation.required') }),
      ...(recipientIds.length > 0 ? {} : { recipientIds: translate('hearth.backups.choice.recipients_required') }),
    };
    void submit(found, () => backupsApi.start({ instanceId: instance.id, targetId, recipientIds, reason: reason.trim() || undefined }), onStarted);
  };
  return (
    <FormDialog
      onClose={onClose}
      title="hearth.backups.now.title"
      submitLabel="hearth.backups.now.submit"
      messageArgs={{ name: instance.name }}
      disabled={pending}
      onSubmit={send}
    >
      <Typography variant="body2">{translate('hearth.backups.now.intro', { name: instance.name })}</Typography>
      {problem && <Alert severity="error">{problem}</Alert>}
      <TargetChoice targets={targets} value={targetId} onChange={setTargetId} error={errors.targetId} />
      <RecipientChoice recipients={recipients} value={recipientIds} onChange={setRecipientIds} error={errors.recipientIds} />
      <TextField label={translate('hearth.common.reason')} value={reason} onChange={(event) => setReason(event.target.value)} multiline slotProps={{ htmlInput: { maxLength: 500 } }} />
    </FormDialog>
  );
}
