import {
  Autocomplete,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  Stack,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useTranslate } from 'react-admin';
import { isTimeZone } from '@hearth/contracts';
import { WEEK, type WindowDraft, timeZones } from './rolloutDraft';
import { DAY_NAME } from './rolloutStatus';

interface WindowFieldsProps {
  value: WindowDraft;
  onChange: (window: WindowDraft) => void;
  /** Messages by field: `window.start`, `window.end`, `window.timezone`, `window.days`. */
  errors: Record<string, string>;
  /** The time zones offered (the browser's, by default). */
  zones?: string[];
}

/** The time of day in `zone` now, so the operator sees what "22:00" there means. */
function nowIn(zone: string): string | undefined {
  if (!isTimeZone(zone)) return undefined;
  return new Date().toLocaleTimeString(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/**
 * An optional maintenance window: local start and end times in a time zone (the operator's own to
 * begin with), on the days ticked. Without one, upgrades start at once.
 */
export function WindowFields({ value, onChange, errors, zones = timeZones() }: WindowFieldsProps) {
  const translate = useTranslate();
  const set = (changes: Partial<WindowDraft>) => onChange({ ...value, ...changes });
  const toggleDay = (day: number, checked: boolean) => set({ days: checked ? [...value.days, day] : value.days.filter((chosen) => chosen !== day) });
  const now = nowIn(value.timezone);
  const options = zones.includes(value.timezone) ? zones : [value.timezone, ...zones];
  return (
    <Stack spacing={2} data-testid="rollout-window">
      <FormControlLabel
        control={<Switch checked={value.enabled} onChange={(event) => set({ enabled: event.target.checked })} />}
        label={translate('hearth.rollouts.window.enable')}
      />
      <Typography variant="body2" color="text.secondary">
        {translate(value.enabled ? 'hearth.rollouts.window.help' : 'hearth.rollouts.window.off_help')}
      </Typography>
      {value.enabled && (
        <>
          <Stack direction="row" spacing={2}>
            <TextField
              type="time"
              label={translate('hearth.rollouts.window.start')}
              value={value.start}
              onChange={(event) => set({ start: event.target.value })}
              required
              error={Boolean(errors['window.start'])}
              helperText={errors['window.start']}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { step: 60 } }}
              sx={{ width: 180 }}
            />
            <TextField
              type="time"
              label={translate('hearth.rollouts.window.end')}
              value={value.end}
              onChange={(event) => set({ end: event.target.value })}
              required
              error={Boolean(errors['window.end'])}
              helperText={errors['window.end']}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { step: 60 } }}
              sx={{ width: 180 }}
            />
          </Stack>
          <Autocomplete
            options={options}
            value={value.timezone}
            disableClearable
            onChange={(_event, zone) => set({ timezone: zone })}
            sx={{ maxWidth: 380 }}
            renderInput={(params) => (
              <TextField
                {...params}
                label={translate('hearth.rollouts.window.timezone')}
                required
                error={Boolean(errors['window.timezone'])}
                helperText={errors['window.timezone'] ?? (now && translate('hearth.rollouts.window.now', { time: now }))}
              />
            )}
          />
          <FormControl component="fieldset" error={Boolean(errors['window.days'])}>
            <FormLabel component="legend">{translate('hearth.rollouts.window.days')}</FormLabel>
            <FormGroup row>
              {WEEK.map((day) => (
                <FormControlLabel
                  key={day}
                  control={<Checkbox checked={value.days.includes(day)} onChange={(event) => toggleDay(day, event.target.checked)} />}
                  label={translate(DAY_NAME[day])}
                />
              ))}
            </FormGroup>
            <FormHelperText>{errors['window.days'] ?? translate('hearth.rollouts.window.days_help')}</FormHelperText>
          </FormControl>
        </>
      )}
    </Stack>
  );
}
