import { useState } from 'react';
import { Alert, TextField, Typography } from '@mui/material';
import type { BackupRecipient, BackupTarget, Instance, ServerVersion } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { RecipientChoice } from '../backups/instance/RecipientChoice';
import { TargetChoice } from '../backups/instance/TargetChoice';
import { FormDialog } from '../common/FormDialog';
import { useFormRequest } from '../common/useRequest';
import { onlyOne } from './upgradeBackup';
import { upgradesApi } from './upgradesApi';
import { MOVE_TEXT, type MoveKind, planText } from './versionText';

interface UpgradeDialogProps {
  instance: Instance;
  version: ServerVersion;
  /** What the button said: an upgrade to a newer version, or a switch to another one. */
  kind: MoveKind;
  label: string;
  targets: BackupTarget[];
  recipients: BackupRecipient[];
  onClose: () => void;
  onStarted: (jobId: string) => void;
}

/** Moves the instance to another version: where its backup goes first, the keys it is encrypted to, a reason, and what happens. */
export function UpgradeDialog({ instance, version, kind, label, targets, recipients, onClose, onStarted }: UpgradeDialogProps) {
  const translate = useTranslate();
  const [targetId, setTargetId] = useState(onlyOne(targets)[0] ?? '');
  const [recipientIds, setRecipientIds] = useState(onlyOne(recipients));
  const [reason, setReason] = useState('');
  const { pending, errors, problem, submit } = useFormRequest();
  const args = { name: instance.name, version: label };
  const otherErrors = Object.entries(errors).filter(([field]) => field !== 'targetId' && field !== 'recipientIds');
  const send = () => {
    const found = {
      ...(targetId ? {} : { targetId: translate('ra.validation.required') }),
      ...(recipientIds.length > 0 ? {} : { recipientIds: translate('hearth.backups.choice.recipients_required') }),
    };
    void submit(
      found,
      () => upgradesApi.upgrade(instance.id, { versionId: version.id, targetId, recipientIds, reason: reason.trim() || undefined }),
      ({ jobId }) => onStarted(jobId),
    );
  };
  return (
    <FormDialog
      onClose={onClose}
      title={MOVE_TEXT[kind].title}
      submitLabel={MOVE_TEXT[kind].button}
      messageArgs={args}
      disabled={pending}
      onSubmit={send}
    >
      <Typography variant="body2" data-testid="upgrade-plan">
        {translate(planText(version), args)}
      </Typography>
      <Alert severity="info" role="note">
        {translate('hearth.versions.dialog.rollback', args)}
      </Alert>
      {(problem || otherErrors.length > 0) && <Alert severity="error">{problem ?? otherErrors.map(([, message]) => message).join(' ')}</Alert>}
      <TargetChoice targets={targets} value={targetId} onChange={setTargetId} error={errors.targetId} />
      <RecipientChoice recipients={recipients} value={recipientIds} onChange={setRecipientIds} error={errors.recipientIds} />
      <TextField label={translate('hearth.common.reason')} value={reason} onChange={(event) => setReason(event.target.value)} multiline slotProps={{ htmlInput: { maxLength: 500 } }} />
    </FormDialog>
  );
}
