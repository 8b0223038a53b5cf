import { Stack, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { CopyButton } from './CopyButton';

interface SecretValueProps {
  value: string;
  /** Catalogue key of the field label, e.g. "API token". */
  label: string;
  copyLabel?: string;
}

/** A value shown once (API token, TOTP secret): a read-only, labelled field with a copy button. */
export function SecretValue({ value, label, copyLabel }: SecretValueProps) {
  const translate = useTranslate();
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <TextField
        label={translate(label)}
        value={value}
        fullWidth
        onFocus={(event) => event.target.select()}
        slotProps={{ htmlInput: { readOnly: true, spellCheck: false, sx: { fontFamily: 'monospace' } } }}
      />
      <CopyButton text={value} label={copyLabel} />
    </Stack>
  );
}
