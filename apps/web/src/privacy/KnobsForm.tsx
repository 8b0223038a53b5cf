import { type ReactNode, useId } from 'react';
import {
  Alert,
  Box,
  FormControl,
  FormControlLabel,
  FormHelperText,
  FormLabel,
  InputAdornment,
  MenuItem,
  Radio,
  RadioGroup,
  Stack,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import type { FederationMode } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { MODES, MODE_TEXT, isListMode } from '../federation/modes';
import {
  DAYS_KNOBS,
  type DaysChoice,
  type DaysDraft,
  type DaysKnob,
  KNOB_GROUPS,
  KNOB_TEXT,
  type Knob,
  type KnobsDraft,
  LOG_LEVELS,
  LOG_LEVEL_LABEL,
  NUMBER_KNOBS,
  type NumberKnob,
  SWITCH_KNOBS,
  type SwitchKnob,
} from './knobs';

interface KnobInputProps<K extends keyof KnobsDraft> {
  knob: K;
  value: KnobsDraft[K];
  onChange: (value: KnobsDraft[K]) => void;
  error?: string;
}

const NO_AUTOFILL = { spellCheck: false, autoCapitalize: 'none' } as const;

/** A number of days, kept for good, or not kept at all; typing a number chooses the first. */
function DaysInput({ knob, value, onChange, error }: KnobInputProps<DaysKnob>) {
  const translate = useTranslate();
  const labelId = useId();
  const label = translate(KNOB_TEXT[knob].label);
  return (
    <FormControl component="fieldset" error={Boolean(error)} data-testid={`knob-${knob}`}>
      <FormLabel component="legend" id={labelId}>
        {label}
      </FormLabel>
      <RadioGroup
        row
        aria-labelledby={labelId}
        value={value.choice}
        onChange={(event) => onChange({ ...value, choice: event.target.value as DaysChoice })}
        sx={{ alignItems: 'center', columnGap: 1 }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center' }}>
          <FormControlLabel value="days" control={<Radio />} label={translate('hearth.privacy.form.keep_for')} sx={{ mr: 1 }} />
          <TextField
            size="small"
            type="number"
            value={value.days}
            onChange={(event) => onChange({ choice: 'days', days: event.target.value })}
            error={Boolean(error) && value.choice === 'days'}
            sx={{ width: 130 }}
            slotProps={{
              htmlInput: { min: 1, max: 36_500, step: 1, 'aria-label': translate('hearth.privacy.form.days_of', { label }) },
              input: { endAdornment: <InputAdornment position="end">{translate('hearth.privacy.form.days_unit')}</InputAdornment> },
            }}
          />
        </Box>
        <FormControlLabel value="forever" control={<Radio />} label={translate('hearth.privacy.form.forever')} />
        <FormControlLabel value="none" control={<Radio />} label={translate('hearth.privacy.form.none')} />
      </RadioGroup>
      <FormHelperText sx={{ mx: 0 }}>{error ?? translate(KNOB_TEXT[knob].help)}</FormHelperText>
    </FormControl>
  );
}

function SwitchInput({ knob, value, onChange }: KnobInputProps<SwitchKnob>) {
  const translate = useTranslate();
  const helpId = useId();
  return (
    <Box data-testid={`knob-${knob}`}>
      <FormControlLabel
        control={<Switch checked={value} onChange={(event) => onChange(event.target.checked)} slotProps={{ input: { 'aria-describedby': helpId } }} />}
        label={translate(KNOB_TEXT[knob].label)}
      />
      <FormHelperText id={helpId} sx={{ mt: 0 }}>
        {translate(KNOB_TEXT[knob].help)}
      </FormHelperText>
    </Box>
  );
}

function NumberInput({ knob, value, onChange, error }: KnobInputProps<NumberKnob>) {
  const translate = useTranslate();
  const { min, max, days } = NUMBER_KNOBS[knob];
  return (
    <TextField
      type="number"
      label={translate(KNOB_TEXT[knob].label)}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      error={Boolean(error)}
      helperText={error ?? translate(KNOB_TEXT[knob].help)}
      sx={{ maxWidth: 360 }}
      slotProps={{
        htmlInput: { min, max, step: 1 },
        input: days ? { endAdornment: <InputAdornment position="end">{translate('hearth.privacy.form.days_unit')}</InputAdornment> } : undefined,
      }}
    />
  );
}

/** One of the four federation modes and, for a list, its domains: what applying the policy sets on each server. */
function FederationInput({ draft, onChange, error }: { draft: KnobsDraft; onChange: (changes: Partial<KnobsDraft>) => void; error?: string }) {
  const translate = useTranslate();
  const mode = draft.federationMode;
  return (
    <Stack spacing={2} data-testid="knob-federation">
      <TextField
        select
        label={translate(KNOB_TEXT.federation.label)}
        value={mode}
        onChange={(event) => onChange({ federationMode: event.target.value as FederationMode })}
        error={Boolean(error) && !isListMode(mode)}
        helperText={`${translate(MODE_TEXT[mode].explanation)} ${translate(KNOB_TEXT.federation.help)}`}
        sx={{ maxWidth: 560 }}
      >
        {MODES.map((option) => (
          <MenuItem key={option} value={option}>
            {translate(MODE_TEXT[option].label)}
          </MenuItem>
        ))}
      </TextField>
      {isListMode(mode) && (
        <TextField
          label={translate('hearth.federation.dialog.domains')}
          value={draft.federationDomains}
          onChange={(event) => onChange({ federationDomains: event.target.value })}
          multiline
          minRows={3}
          error={Boolean(error)}
          helperText={error ?? translate(mode === 'allowlist' ? 'hearth.privacy.form.domains_allowlist' : 'hearth.privacy.form.domains_denylist')}
          sx={{ maxWidth: 560 }}
          slotProps={{ htmlInput: NO_AUTOFILL }}
        />
      )}
    </Stack>
  );
}

interface KnobsFormProps {
  draft: KnobsDraft;
  onChange: (draft: KnobsDraft) => void;
  /** By field path: knobs.messageDays... */
  errors: Record<string, string>;
  /** Shown above Hearth's own records: whether they follow this policy. */
  consoleNote: ReactNode;
}

/** Every knob of a policy, by what it is about; each says what it covers, and on which servers. */
export function KnobsForm({ draft, onChange, errors, consoleNote }: KnobsFormProps) {
  const translate = useTranslate();
  const set = (changes: Partial<KnobsDraft>) => onChange({ ...draft, ...changes });
  const input = (knob: Knob): ReactNode => {
    const error = errors[`knobs.${knob}`];
    if ((DAYS_KNOBS as readonly string[]).includes(knob)) {
      const days = knob as DaysKnob;
      return <DaysInput knob={days} value={draft[days]} onChange={(value: DaysDraft) => set({ [days]: value })} error={error} />;
    }
    if ((SWITCH_KNOBS as readonly string[]).includes(knob)) {
      const flag = knob as SwitchKnob;
      return <SwitchInput knob={flag} value={draft[flag]} onChange={(value) => set({ [flag]: value })} />;
    }
    if (knob in NUMBER_KNOBS) {
      const number = knob as NumberKnob;
      return <NumberInput knob={number} value={draft[number]} onChange={(value) => set({ [number]: value })} error={error} />;
    }
    if (knob === 'federation') return <FederationInput draft={draft} onChange={set} error={error} />;
    if (knob === 'logLevel') {
      return (
        <TextField
          select
          label={translate(KNOB_TEXT.logLevel.label)}
          value={draft.logLevel}
          onChange={(event) => set({ logLevel: event.target.value as KnobsDraft['logLevel'] })}
          helperText={translate(KNOB_TEXT.logLevel.help)}
          sx={{ maxWidth: 360 }}
        >
          {LOG_LEVELS.map((level) => (
            <MenuItem key={level} value={level}>
              {translate(LOG_LEVEL_LABEL[level])}
            </MenuItem>
          ))}
        </TextField>
      );
    }
    return (
      <TextField
        label={translate(KNOB_TEXT.trustedKeyServers.label)}
        value={draft.trustedKeyServers}
        onChange={(event) => set({ trustedKeyServers: event.target.value })}
        multiline
        minRows={2}
        placeholder={translate('hearth.privacy.form.key_servers_none')}
        error={Boolean(error)}
        helperText={error ?? translate(KNOB_TEXT.trustedKeyServers.help)}
        sx={{ maxWidth: 560 }}
        slotProps={{ htmlInput: NO_AUTOFILL }}
      />
    );
  };
  return (
    <Stack spacing={3}>
      {KNOB_GROUPS.map((group) => (
        <Box component="fieldset" key={group.title} sx={{ border: 0, m: 0, p: 0, minWidth: 0 }}>
          <Typography component="legend" variant="subtitle1" sx={{ fontWeight: 500, mb: 1, p: 0 }}>
            {translate(group.title)}
          </Typography>
          <Stack spacing={2.5}>
            {group.title === 'hearth.privacy.groups.console' && (
              <Alert severity="info" role="note">
                {consoleNote}
              </Alert>
            )}
            {group.knobs.map((knob) => (
              <Box key={knob}>{input(knob)}</Box>
            ))}
          </Stack>
        </Box>
      ))}
    </Stack>
  );
}
