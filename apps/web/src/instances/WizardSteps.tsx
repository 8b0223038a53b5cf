import { Alert, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import {
  type DraftSetting,
  type FieldErrors,
  type InstanceDraft,
  logLevelChoices,
  offersSetting,
  tlsModeChoices,
} from './draft';
import { HealthIntervalInput, NameInput, TextInput, useHelp } from './inputs';
import { isLoopback } from './instanceStatus';


interface StepProps {
  draft: InstanceDraft;
  errors: FieldErrors;
  onChange: (changes: Partial<InstanceDraft>) => void;
}

export function NameStep({ draft, errors, onChange }: StepProps) {
  const help = useHelp(errors);
  return (
    <Stack spacing={3}>
      <TextInput
        path="domain"
        label="resources.instances.fields.domain"
        helpText={draft.kind === 'synapse' ? 'hearth.instances.wizard.domain_help_matrix' : 'hearth.instances.wizard.domain_help'}
        help={help}
        value={draft.domain}
        onChange={(domain) => onChange({ domain })}
        placeholder="family.example"
        autoFocus
        required
        maxLength={253}
      />
      <NameInput value={draft.name} onChange={(name) => onChange({ name })} help={help} />
    </Stack>
  );
}

export function NetworkStep({ draft, errors, onChange }: StepProps) {
  const translate = useTranslate();
  const help = useHelp(errors);
  const address = draft.bindAddress.trim();
  const exposed = address !== '' && !errors.bindAddress && !isLoopback(address);
  const everywhere = address === '0.0.0.0' || address === '::';
  const offered = (setting: DraftSetting) => offersSetting(draft.kind, setting);
  return (
    <Stack spacing={3}>
      <Stack spacing={1}>
        <TextInput
          path="bindAddress"
          label="resources.instances.fields.bindAddress"
          helpText="hearth.instances.wizard.bind_help"
          help={help}
          value={draft.bindAddress}
          onChange={(bindAddress) => onChange({ bindAddress })}
          required
          monospace
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
      <DefaultableSelect
        path="settings.logLevel"
        label="resources.instances.fields.logLevel"
        helpText="hearth.instances.wizard.log_level_help"
        help={help}
        choices={logLevelChoices}
        value={draft.logLevel}
        onChange={(logLevel) => onChange({ logLevel })}
      />
      {offered('publicBaseUrl') && (
        <TextInput
          path="settings.publicBaseUrl"
          label="resources.instances.fields.publicBaseUrl"
          helpText="hearth.instances.wizard.public_base_url_help"
          help={help}
          value={draft.publicBaseUrl}
          onChange={(publicBaseUrl) => onChange({ publicBaseUrl })}
          type="url"
          placeholder="https://matrix.family.example"
          monospace
        />
      )}
      {offered('messageRetentionDays') && (
        <TextField
          label={translate('resources.instances.fields.messageRetentionDays')}
          value={draft.messageRetentionDays}
          onChange={(event) => onChange({ messageRetentionDays: event.target.value })}
          type="number"
          {...help('settings.messageRetentionDays', 'hearth.instances.wizard.retention_help')}
          slotProps={{ htmlInput: { min: 1, max: 3650, step: 1 } }}
        />
      )}
      {offered('tlsMode') && (
        <DefaultableSelect
          path="settings.tls.mode"
          label="resources.instances.fields.tlsMode"
          helpText="hearth.instances.wizard.tls_help"
          help={help}
          choices={tlsModeChoices}
          value={draft.tlsMode}
          onChange={(tlsMode) => onChange({ tlsMode })}
        />
      )}
      <HealthIntervalInput value={draft.healthIntervalSec} onChange={(healthIntervalSec) => onChange({ healthIntervalSec })} help={help} />
    </Stack>
  );
}

/** Shows "the server's default" as the choice made, rather than an empty field. */
const SHOW_EMPTY_CHOICE = { select: { displayEmpty: true }, inputLabel: { shrink: true } } as const;

/** A choice among `choices`, or none: the server's default. */
function DefaultableSelect<T extends string>({ path, label, helpText, help, choices, value, onChange }: {
  path: string;
  label: string;
  helpText: string;
  help: ReturnType<typeof useHelp>;
  choices: { id: T; name: string }[];
  value: T | '';
  onChange: (value: T | '') => void;
}) {
  const translate = useTranslate();
  return (
    <TextField
      select
      label={translate(label)}
      value={value}
      onChange={(event) => onChange(event.target.value as T | '')}
      {...help(path, helpText)}
      slotProps={SHOW_EMPTY_CHOICE}
    >
      <MenuItem value="">{translate('hearth.instances.wizard.server_default')}</MenuItem>
      {choices.map((choice) => (
        <MenuItem key={choice.id} value={choice.id}>
          {translate(choice.name)}
        </MenuItem>
      ))}
    </TextField>
  );
}
