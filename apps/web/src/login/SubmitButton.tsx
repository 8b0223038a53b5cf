import { Button, CircularProgress } from '@mui/material';
import { useTranslate } from 'react-admin';

export function SubmitButton({ submitting, label }: { submitting: boolean; label: string }) {
  const translate = useTranslate();
  return (
    <Button type="submit" variant="contained" fullWidth disabled={submitting} sx={{ mt: 2 }}>
      {submitting ? <CircularProgress size={20} aria-label={translate('ra.page.loading')} /> : translate(label)}
    </Button>
  );
}
