import { useState } from 'react';
import DeleteIcon from '@mui/icons-material/Delete';
import { Button } from '@mui/material';
import type { Operator } from '@hearth/contracts';
import { useDelete, useNotify, useRecordContext, useRedirect, useTranslate } from 'react-admin';
import { TypeToConfirmDialog, type TypeToConfirmValues } from '../common/TypeToConfirmDialog';
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
  if (!operator) return null;

  const remove = ({ confirmation, reason }: TypeToConfirmValues) =>
    deleteOne(
      'operators',
      { id: operator.id, previousData: operator, meta: { confirm: confirmation, reason } },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => {
          setOpen(false);
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
      <TypeToConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title="hearth.operators.delete.title"
        content="hearth.operators.delete.content"
        confirmLabel="hearth.operators.delete.confirm_label"
        submitLabel="hearth.operators.delete.submit"
        messageArgs={{ email: operator.email }}
        expected={operator.email}
        ignoreCase
        pending={isPending}
        onConfirm={remove}
      />
    </>
  );
}
