import { type ReactNode, useState } from 'react';
import { DialogContentText, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { FormDialog } from './FormDialog';

/** What the operator typed, trimmed; the API checks the confirmation again. */
export interface ConfirmedValues {
  /** Empty unless the dialog asked for one. */
  confirmation: string;
  /** Empty when none was given. */
  reason: string;
}

interface ReasonDialogProps {
  open: boolean;
  onClose: () => void;
  /** Message keys, each translated with `messageArgs`. */
  title: string;
  content: string;
  submitLabel: string;
  messageArgs?: Record<string, unknown>;
  /** For what can't be undone: a value (a name, an email) to type before the submit button enables. */
  typeToConfirm?: { label: string; expected: string; ignoreCase?: boolean };
  /** Fields of the action itself, above the reason (e.g. a new password). */
  children?: ReactNode;
  /** Whether those fields are complete: the submit button stays disabled until they are. */
  ready?: boolean;
  destructive?: boolean;
  /** The action is under way: the submit button stays disabled. */
  pending: boolean;
  onConfirm: (values: ConfirmedValues) => void;
}

/** Confirms a moderation or destructive action, with an optional reason for the audit log. */
export function ReasonDialog({ open, ...form }: ReasonDialogProps) {
  // The fields live only while the dialog is open: each opening starts empty.
  return open ? <ReasonForm {...form} /> : null;
}

function ReasonForm({
  onClose,
  title,
  content,
  submitLabel,
  messageArgs,
  typeToConfirm,
  children,
  ready = true,
  destructive = false,
  pending,
  onConfirm,
}: Omit<ReasonDialogProps, 'open'>) {
  const translate = useTranslate();
  const [confirmation, setConfirmation] = useState('');
  const [reason, setReason] = useState('');
  const typed = confirmation.trim();
  const confirmed =
    !typeToConfirm || (typeToConfirm.ignoreCase ? typed.toLowerCase() === typeToConfirm.expected.toLowerCase() : typed === typeToConfirm.expected);
  return (
    <FormDialog
      onClose={onClose}
      title={title}
      submitLabel={submitLabel}
      messageArgs={messageArgs}
      disabled={!ready || !confirmed || pending}
      destructive={destructive || typeToConfirm !== undefined}
      onSubmit={() => onConfirm({ confirmation: typed, reason: reason.trim() })}
    >
      <DialogContentText>{translate(content, messageArgs)}</DialogContentText>
      {typeToConfirm && (
        <TextField
          label={translate(typeToConfirm.label, messageArgs)}
          value={confirmation}
          onChange={(event) => setConfirmation(event.target.value)}
          autoComplete="off"
          autoFocus
          slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none' } }}
        />
      )}
      {children}
      <TextField
        label={translate('hearth.common.reason')}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        multiline
        slotProps={{ htmlInput: { maxLength: 500 } }}
      />
    </FormDialog>
  );
}
