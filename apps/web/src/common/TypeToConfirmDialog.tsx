import { useId, useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Stack,
  TextField,
} from '@mui/material';
import { useTranslate } from 'react-admin';

/** What the operator typed, trimmed; the API checks the confirmation again. */
export interface TypeToConfirmValues {
  confirmation: string;
  /** Empty when none was given. */
  reason: string;
}

interface TypeToConfirmDialogProps {
  open: boolean;
  onClose: () => void;
  /** Message keys, each translated with `messageArgs`. */
  title: string;
  content: string;
  confirmLabel: string;
  reasonLabel: string;
  submitLabel: string;
  messageArgs?: Record<string, unknown>;
  /** The value to type before the submit button enables. */
  expected: string;
  ignoreCase?: boolean;
  /** The action is under way: the submit button stays disabled. */
  pending: boolean;
  onConfirm: (values: TypeToConfirmValues) => void;
}

/** Confirms a destructive action by having the operator type a value (a name, an email) and an optional reason for the audit log. */
export function TypeToConfirmDialog({ open, onClose, ...form }: TypeToConfirmDialogProps) {
  const titleId = useId();
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      {/* The fields live in the dialog's content, which unmounts once closed: each opening starts empty. */}
      <TypeToConfirmForm {...form} titleId={titleId} onClose={onClose} />
    </Dialog>
  );
}

function TypeToConfirmForm({
  titleId,
  onClose,
  title,
  content,
  confirmLabel,
  reasonLabel,
  submitLabel,
  messageArgs,
  expected,
  ignoreCase = false,
  pending,
  onConfirm,
}: Omit<TypeToConfirmDialogProps, 'open'> & { titleId: string }) {
  const translate = useTranslate();
  const [confirmation, setConfirmation] = useState('');
  const [reason, setReason] = useState('');
  const typed = confirmation.trim();
  const confirmed = ignoreCase ? typed.toLowerCase() === expected.toLowerCase() : typed === expected;
  return (
    <>
      <DialogTitle id={titleId}>{translate(title, messageArgs)}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          <DialogContentText>{translate(content, messageArgs)}</DialogContentText>
          <TextField
            label={translate(confirmLabel, messageArgs)}
            value={confirmation}
            onChange={(event) => setConfirmation(event.target.value)}
            autoComplete="off"
            autoFocus
            slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none' } }}
          />
          <TextField
            label={translate(reasonLabel, messageArgs)}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            multiline
            slotProps={{ htmlInput: { maxLength: 500 } }}
          />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('ra.action.cancel')}</Button>
        <Button
          color="error"
          variant="contained"
          disabled={!confirmed || pending}
          onClick={() => onConfirm({ confirmation: typed, reason: reason.trim() })}
        >
          {translate(submitLabel, messageArgs)}
        </Button>
      </DialogActions>
    </>
  );
}
