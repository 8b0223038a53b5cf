import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack } from '@mui/material';
import { useTranslate } from 'react-admin';
import { SecretValue } from '../common/SecretValue';

interface NewTokenDialogProps {
  token: string;
  onClose: () => void;
}

/** The API returns a token's secret once; after this dialog closes it can't be shown again. */
export function NewTokenDialog({ token, onClose }: NewTokenDialogProps) {
  const translate = useTranslate();
  return (
    <Dialog open aria-labelledby="new-token-title" fullWidth maxWidth="sm">
      <DialogTitle id="new-token-title">{translate('hearth.tokens.created_title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <Alert severity="warning">{translate('hearth.tokens.created_warning')}</Alert>
          <SecretValue value={token} label="hearth.tokens.token" />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose}>
          {translate('hearth.tokens.created_done')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
