import { useId } from 'react';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack } from '@mui/material';
import { useTranslate } from 'react-admin';
import { SecretValue } from './SecretValue';

interface ShownOnceDialogProps {
  /** Catalogue keys, the first two translated with `messageArgs`. */
  title: string;
  warning: string;
  label: string;
  doneLabel: string;
  messageArgs?: Record<string, unknown>;
  value: string;
  onClose: () => void;
}

/**
 * A secret the API answers once (an API token, an invite or set-password link): Hearth keeps only
 * its hash, so once this dialog closes nobody can show it again. It closes only by its button.
 */
export function ShownOnceDialog({ title, warning, label, doneLabel, messageArgs, value, onClose }: ShownOnceDialogProps) {
  const translate = useTranslate();
  const titleId = useId();
  return (
    <Dialog open aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>{translate(title, messageArgs)}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <Alert severity="warning">{translate(warning, messageArgs)}</Alert>
          <SecretValue value={value} label={label} />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose}>
          {translate(doneLabel)}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
