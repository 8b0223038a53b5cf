import { TextField, type TextFieldProps } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { FieldErrors } from './draft';

/** A field's error if it has one, else its help; errors are catalogue keys or the API's own words. */
export function useHelp(errors: FieldErrors) {
  const translate = useTranslate();
  return (path: string, help: string) => ({
    error: Boolean(errors[path]),
    helperText: translate(errors[path] ?? help),
  });
}

type Help = ReturnType<typeof useHelp>;

interface TextInputProps extends Pick<TextFieldProps, 'type' | 'placeholder' | 'autoFocus' | 'required'> {
  /** The field's path in the API's errors. */
  path: string;
  /** Catalogue keys. */
  label: string;
  helpText: string;
  help: Help;
  value: string;
  onChange: (value: string) => void;
  maxLength?: number;
  /** For addresses, which are read character by character. */
  monospace?: boolean;
}

/**
 * A text field of the instance forms: names, domains and addresses, which browsers should neither
 * fill in, correct nor capitalise; its error or help below it.
 */
export function TextInput({ path, label, helpText, help, value, onChange, maxLength, monospace, ...field }: TextInputProps) {
  const translate = useTranslate();
  return (
    <TextField
      {...field}
      label={translate(label)}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      autoComplete="off"
      {...help(path, helpText)}
      slotProps={{
        htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength, sx: monospace ? { fontFamily: 'monospace' } : undefined },
      }}
    />
  );
}

/** The instance's name in Hearth, in the wizard and the adopt form alike. */
export function NameInput(props: Pick<TextInputProps, 'value' | 'onChange' | 'help'>) {
  return (
    <TextInput path="name" label="resources.instances.fields.name" helpText="hearth.instances.wizard.name_help" required maxLength={40} {...props} />
  );
}

/** How often Hearth checks the server, in seconds, as text until the request is built. */
export function HealthIntervalInput({ value, onChange, help }: { value: string; onChange: (value: string) => void; help: Help }) {
  const translate = useTranslate();
  return (
    <TextField
      label={translate('resources.instances.fields.healthIntervalSec')}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      type="number"
      required
      {...help('healthIntervalSec', 'hearth.instances.wizard.interval_help')}
      slotProps={{ htmlInput: { min: 5, max: 3600, step: 1 } }}
    />
  );
}
