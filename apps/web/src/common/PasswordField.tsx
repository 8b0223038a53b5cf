import { useState } from 'react';
import VisibilityIcon from '@mui/icons-material/Visibility';
import VisibilityOffIcon from '@mui/icons-material/VisibilityOff';
import { IconButton, InputAdornment, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';

interface PasswordFieldProps {
  /** Catalogue keys; `error`, when set, replaces the help. */
  label: string;
  help?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
  /** "new-password" lets password managers offer and save one; "off" for someone else's. */
  autoComplete?: 'new-password' | 'off';
}

/** A password input that can be shown in clear, e.g. to read it out to its owner. */
export function PasswordField({ label, help, error, value, onChange, autoFocus, autoComplete = 'new-password' }: PasswordFieldProps) {
  const translate = useTranslate();
  const [shown, setShown] = useState(false);
  const toggle = translate(shown ? 'hearth.common.hide_password' : 'hearth.common.show_password');
  return (
    <TextField
      label={translate(label)}
      type={shown ? 'text' : 'password'}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      autoFocus={autoFocus}
      autoComplete={autoComplete}
      required
      error={Boolean(error)}
      helperText={error ? translate(error) : help && translate(help)}
      slotProps={{
        htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 1024 },
        input: {
          endAdornment: (
            <InputAdornment position="end">
              <IconButton aria-label={toggle} title={toggle} onClick={() => setShown(!shown)} edge="end">
                {shown ? <VisibilityOffIcon /> : <VisibilityIcon />}
              </IconButton>
            </InputAdornment>
          ),
        },
      }}
    />
  );
}
