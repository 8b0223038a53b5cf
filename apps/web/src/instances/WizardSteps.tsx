import { Alert, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { type FieldErrors, type InstanceDraft, type LogLevel, type TlsMode, logLevelChoices, tlsModeChoices } from './draft';
import { isLoopback } from './instanceStatus';

/** Shows "the server's default" as the choice made, rather than an empty field. */
const SHOW_EMPTY_CHOICE = { select: { displayEmpty: true }, inputLabel: { shrink: true } } as const;

interface StepProps {
  draft: InstanceDraft;
  errors: FieldErrors;
  onChange: (changes: Partial<InstanceDraft>) => void;
}

/** A field's error if it has one, else its help; errors are catalogue keys or the API's own words. */
function useHelp(errors: FieldErrors) {
  const translate = useTranslate();
  return (path: string, help: string) => ({
    error: Boolean(errors[path]),
    helperText: translate(errors[path] ?? help),
  });
}

export function NameStep({ draft, errors, onChange }: StepProps) {
  const translate = useTranslate();
  const help = useHelp(errors);
  return (
    <Stack spacing={3}>
      <TextField
        label={translate('resources.instances.fields.domain')}
        value={draft.domain}
        onChange={(event) => onChange({ domain: event.target.value })}
        placeholder="family.example"
        autoFocus
        autoComplete="off"
        required
        {...help('domain', 'hearth.instances.wizard.domain_help')}
        slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 253 } }}
      />
      <TextField
        label={translate('resources.instances.fields.name')}
        value={draft.name}
        onChange={(event) => onChange({ name: event.target.value })}
        autoComplete="off"
        required
        {...help('name', 'hearth.instances.wizard.name_help')}
        slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 40 } }}
      />
    </Stack>
  );
}

export function NetworkStep({ draft, errors, onChange }: StepProps) {
  const translate = useTranslate();
  const help = useHelp(errors);
  const address = draft.bindAddress.trim();
  const exposed = address !== '' && !errors.bindAddress && !isLoopback(address);
  const everywhere = address === '0.0.0.0' || address === '::';
  return (
    <Stack spacing={3}>
      <Stack spacing={1}>
        <TextField
          label={translate('resources.instances.fields.bindAddress')}
          value={draft.bindAddress}
          onChange={(event) => onChange({ bindAddress: event.target.value })}
          autoComplete="off"
          required
          {...help('bindAddress', 'hearth.instances.wizard.bind_help')}
          slotProps={{ htmlInput: { spellCheck: false, sx: { fontFamily: 'monospace' } } }}
        />
        {exposed && (
          <Alert severity="warning" data-testid="bind-warning">
            {translate(everywhere ? 'hearth.instances.wizard.bind_everywhere' : 'hearth.instances.wizard.bind_exposed', {
              address,
            })}
          </Alert>
        )}
      </Stack>
      <Typography variant="subtitle1" component="h3">
        {translate('hearth.instances.wizard.settings')}
      </Typography>
      {errors.settings && <Alert severity="error">{translate(errors.settings)}</Alert>}
      <TextField
        select
        label={translate('resources.instances.fields.logLevel')}
        value={draft.logLevel}
        onChange={(event) => onChange({ logLevel: event.target.value as LogLevel | '' })}
        {...help('settings.logLevel', 'hearth.instances.wizard.log_level_help')}
        slotProps={SHOW_EMPTY_CHOICE}
      >
        <MenuItem value="">{translate('hearth.instances.wizard.server_default')}</MenuItem>
        {logLevelChoices.map((choice) => (
          <MenuItem key={choice.id} value={choice.id}>
            {translate(choice.name)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label={translate('resources.instances.fields.messageRetentionDays')}
        value={draft.messageRetentionDays}
        onChange={(event) => onChange({ messageRetentionDays: event.target.value })}
        type="number"
        {...help('settings.messageRetentionDays', 'hearth.instances.wizard.retention_help')}
        slotProps={{ htmlInput: { min: 1, max: 3650, step: 1 } }}
      />
      <TextField
        select
        label={translate('resources.instances.fields.tlsMode')}
        value={draft.tlsMode}
        onChange={(event) => onChange({ tlsMode: event.target.value as TlsMode | '' })}
        {...help('settings.tls.mode', 'hearth.instances.wizard.tls_help')}
        slotProps={SHOW_EMPTY_CHOICE}
      >
        <MenuItem value="">{translate('hearth.instances.wizard.server_default')}</MenuItem>
        {tlsModeChoices.map((choice) => (
          <MenuItem key={choice.id} value={choice.id}>
            {translate(choice.name)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label={translate('resources.instances.fields.healthIntervalSec')}
        value={draft.healthIntervalSec}
        onChange={(event) => onChange({ healthIntervalSec: event.target.value })}
        type="number"
        required
        {...help('healthIntervalSec', 'hearth.instances.wizard.interval_help')}
        slotProps={{ htmlInput: { min: 5, max: 3600, step: 1 } }}
      />
    </Stack>
  );
}
