import { type ChangeEvent, useId, useRef, useState } from 'react';
import ClearIcon from '@mui/icons-material/Clear';
import KeyIcon from '@mui/icons-material/Key';
import { Box, Button, FormHelperText, Stack, TextField, Typography } from '@mui/material';
import { AgeIdentityText } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { countIdentities } from './age-keys';

const MAX_LENGTH = AgeIdentityText.maxLength ?? 20_000;

interface IdentityInputProps {
  /** The identity file's text; empty while none was given. */
  value: string;
  onChange: (text: string) => void;
  /** The API's refusal (wrong key, not a key), shown under the input. */
  error?: string;
}

/**
 * The private key that opens a backup, from its file or pasted. It lives in the dialog's React
 * state only (no browser storage, no query cache), so it is gone when the dialog closes.
 */
export function IdentityInput({ value, onChange, error }: IdentityInputProps) {
  const translate = useTranslate();
  const helpId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [fileName, setFileName] = useState<string>();
  const [pasting, setPasting] = useState(false);
  const [fileProblem, setFileProblem] = useState<string>();
  const keys = countIdentities(value);

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // Emptied at once, so the input holds no file and choosing the same one again reads it again.
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_LENGTH) {
      setFileProblem(translate('hearth.backups.identity.too_big', { name: file.name }));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const text = typeof reader.result === 'string' ? reader.result : '';
      if (countIdentities(text) === 0) {
        setFileProblem(translate('hearth.backups.identity.no_key', { name: file.name }));
        return;
      }
      setFileProblem(undefined);
      setFileName(file.name);
      onChange(text);
    };
    reader.onerror = () => setFileProblem(translate('hearth.backups.identity.unreadable', { name: file.name }));
    reader.readAsText(file);
  };

  const clear = () => {
    setFileName(undefined);
    setFileProblem(undefined);
    onChange('');
  };

  const problem = fileProblem ?? error;
  return (
    <Box component="fieldset" sx={{ border: 0, m: 0, p: 0 }} aria-describedby={helpId}>
      <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
        {translate('hearth.backups.identity.label')}
      </Typography>
      {/* No `accept` filter: age-keygen's files often have no extension. */}
      <input ref={fileInput} type="file" hidden onChange={choose} />
      {fileName && value ? (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <KeyIcon color="action" />
          <Typography variant="body2" data-testid="identity-file">
            {translate('hearth.backups.identity.loaded', { name: fileName, smart_count: keys })}
          </Typography>
          <Button size="small" startIcon={<ClearIcon />} onClick={clear}>
            {translate('hearth.backups.identity.clear')}
          </Button>
        </Stack>
      ) : (
        <Stack spacing={1}>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
            <Button variant="outlined" startIcon={<KeyIcon />} onClick={() => fileInput.current?.click()}>
              {translate('hearth.backups.identity.choose')}
            </Button>
            {!pasting && <Button onClick={() => setPasting(true)}>{translate('hearth.backups.identity.paste')}</Button>}
          </Stack>
          {pasting && (
            <TextField
              label={translate('hearth.backups.identity.paste_label')}
              value={value}
              onChange={(event) => onChange(event.target.value)}
              multiline
              minRows={3}
              fullWidth
              autoFocus
              autoComplete="off"
              error={Boolean(problem)}
              slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: MAX_LENGTH, sx: { fontFamily: 'monospace' } } }}
            />
          )}
        </Stack>
      )}
      <FormHelperText id={helpId} error={Boolean(problem)} role={problem ? 'alert' : undefined}>
        {problem ?? translate('hearth.backups.identity.help')}
      </FormHelperText>
    </Box>
  );
}
