import { useState } from 'react';
import DeleteIcon from '@mui/icons-material/Delete';
import { Button, Confirm } from 'react-admin';
import { useNotifyError } from '../common/useNotifyError';
import { useRequest } from '../common/useRequest';

interface RemoveButtonProps {
  /** Catalogue keys, translated with `messageArgs`. */
  title: string;
  content: string;
  messageArgs: Record<string, unknown>;
  remove: () => Promise<void>;
  onRemoved: () => void;
}

/** Removes a target, key or schedule once confirmed; the API's refusal (still in use) is notified in its words. */
export function RemoveButton({ title, content, messageArgs, remove, onRemoved }: RemoveButtonProps) {
  const { pending, run } = useRequest();
  const notifyError = useNotifyError();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <Button label="hearth.backups.remove" color="error" onClick={() => setConfirming(true)}>
        <DeleteIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        loading={pending}
        title={title}
        content={content}
        confirm="hearth.backups.remove"
        confirmColor="warning"
        titleTranslateOptions={messageArgs}
        contentTranslateOptions={messageArgs}
        onClose={() => setConfirming(false)}
        onConfirm={() =>
          run(
            remove,
            () => {
              setConfirming(false);
              onRemoved();
            },
            (error) => {
              setConfirming(false);
              notifyError(error);
            },
          )
        }
      />
    </>
  );
}
