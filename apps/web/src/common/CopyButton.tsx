import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { Button } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';

interface CopyButtonProps {
  text: string;
  label?: string;
}

export function CopyButton({ text, label = 'hearth.common.copy' }: CopyButtonProps) {
  const notify = useNotify();
  const translate = useTranslate();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      notify('hearth.common.copied', { type: 'info' });
    } catch {
      // The clipboard API exists only on HTTPS or localhost; elsewhere the text stays selectable.
      notify('hearth.common.copy_failed', { type: 'warning' });
    }
  };
  return (
    <Button onClick={copy} startIcon={<ContentCopyIcon />}>
      {translate(label)}
    </Button>
  );
}
