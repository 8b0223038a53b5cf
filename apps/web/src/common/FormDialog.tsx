import { type FormEvent, type ReactNode, useId } from 'react';
import { Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack } from '@mui/material';
import { useTranslate } from 'react-admin';

interface FormDialogProps {
  onClose: () => void;
  /** Catalogue keys, translated with `messageArgs`. */
  title: string;
  submitLabel: string;
  messageArgs?: Record<string, unknown>;
  /** The form is incomplete or its request under way. */
  disabled?: boolean;
  destructive?: boolean;
  onSubmit: () => void;
  children: ReactNode;
}

/**
 * A dialog around a small form: its title, its fields, Cancel and the submit button (Enter submits
 * too). Callers mount it while it is open, so each opening starts from empty fields.
 */
export function FormDialog({ onClose, title, submitLabel, messageArgs, disabled = false, destructive = false, onSubmit, children }: FormDialogProps) {
  const translate = useTranslate();
  const titleId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!disabled) onSubmit();
  };
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle id={titleId}>{translate(title, messageArgs)}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {children}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{translate('ra.action.cancel')}</Button>
          <Button type="submit" color={destructive ? 'error' : 'primary'} variant="contained" disabled={disabled}>
            {translate(submitLabel, messageArgs)}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
