import { useState } from 'react';
import DeleteIcon from '@mui/icons-material/Delete';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Stack, TextField } from '@mui/material';
import type { Operator } from '@hearth/contracts';
import { useDelete, useNotify, useRecordContext, useRedirect, useTranslate } from 'react-admin';
import { useNotifyError } from '../common/useNotifyError';

/** Deleting an operator is final, so the email must be typed; the reason goes to the audit log. */
export function DeleteOperatorButton() {
  const operator = useRecordContext<Operator>();
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const notifyError = useNotifyError();
  const [deleteOne, { isPending }] = useDelete<Operator>();
  const [open, setOpen] = useState(false);
  const [confirmation, setConfirmation] = useState('');
  const [reason, setReason] = useState('');
  if (!operator) return null;

  const confirmed = confirmation.trim().toLowerCase() === operator.email.toLowerCase();
  const close = () => {
    setOpen(false);
    setConfirmation('');
    setReason('');
  };
  const remove = () =>
    deleteOne(
      'operators',
      { id: operator.id, previousData: operator, meta: { confirm: confirmation.trim(), reason: reason.trim() } },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => {
          close();
          notify('hearth.operators.delete.done', { type: 'info', messageArgs: { email: operator.email } });
          redirect('list', 'operators');
        },
        onError: notifyError,
      },
    );

  return (
    <>
      <Button color="error" startIcon={<DeleteIcon />} onClick={() => setOpen(true)}>
        {translate('ra.action.delete')}
      </Button>
      <Dialog open={open} onClose={close} aria-labelledby="delete-operator-title">
        <DialogTitle id="delete-operator-title">
          {translate('hearth.operators.delete.title', { email: operator.email })}
        </DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>{translate('hearth.operators.delete.content')}</DialogContentText>
            <TextField
              label={translate('hearth.operators.delete.confirm_label')}
              value={confirmation}
              onChange={(event) => setConfirmation(event.target.value)}
              autoComplete="off"
              autoFocus
            />
            <TextField
              label={translate('hearth.operators.delete.reason')}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              multiline
              slotProps={{ htmlInput: { maxLength: 500 } }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>{translate('ra.action.cancel')}</Button>
          <Button color="error" variant="contained" disabled={!confirmed || isPending} onClick={remove}>
            {translate('hearth.operators.delete.submit')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
