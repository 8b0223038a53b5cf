import { useState } from 'react';
import { Alert, Autocomplete, Grid, MenuItem, TextField, Typography } from '@mui/material';
import { type BackupRecipient, type BackupSchedule, type BackupTarget, CreateBackupScheduleRequest, type Instance } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import type { z } from 'zod';
import { FormDialog } from '../../common/FormDialog';
import { useFormRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';
import { RecipientChoice } from './RecipientChoice';
import { SCHEDULE_PRESETS, localTimeZone, presetOf, timeZones } from './schedulePresets';
import { TargetChoice } from './TargetChoice';

type Request = z.input<typeof CreateBackupScheduleRequest>;
const KEEP_FIELDS = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const;
type KeepField = (typeof KEEP_FIELDS)[number];
/** What a schedule may change (the instance is fixed). */
type Settings = Omit<Request, 'instanceId' | 'enabled'> & Record<KeepField, number>;

const KEEP_LABEL: Record<KeepField, { label: string; help: string }> = {
  keepLast: { label: 'hearth.backups.schedules.keep_last', help: 'hearth.backups.schedules.keep_last_help' },
  keepDaily: { label: 'hearth.backups.schedules.keep_daily', help: 'hearth.backups.schedules.keep_daily_help' },
  keepWeekly: { label: 'hearth.backups.schedules.keep_weekly', help: 'hearth.backups.schedules.keep_weekly_help' },
  keepMonthly: { label: 'hearth.backups.schedules.keep_monthly', help: 'hearth.backups.schedules.keep_monthly_help' },
};
/** The contract's defaults, which a new schedule starts from. */
const DEFAULT_KEEP: Record<KeepField, number> = { keepLast: 7, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 };
const CUSTOM = 'custom';

/** The fields a PATCH sends: those that changed (the API refuses unknown keys, and an empty change is pointless). */
function changes(previous: BackupSchedule, next: Settings): Partial<Settings> {
  const changed = (Object.keys(next) as (keyof Settings)[]).filter((field) => JSON.stringify(next[field]) !== JSON.stringify(previous[field]));
  return Object.fromEntries(changed.map((field) => [field, next[field]]));
}

/** The contract's checks, in the form's words. */
function check(settings: Settings, translate: ReturnType<typeof useTranslate>): Record<string, string> {
  const found: Record<string, string> = {};
  if (!settings.targetId) found.targetId = translate('ra.validation.required');
  if (settings.recipientIds.length === 0) found.recipientIds = translate('hearth.backups.choice.recipients_required');
  if (settings.cron.trim().split(/\s+/).length !== 5) found.cron = translate('hearth.backups.schedules.cron_invalid');
  for (const field of KEEP_FIELDS) {
    const min = field === 'keepLast' ? 1 : 0;
    const value = settings[field];
    if (!Number.isInteger(value) || value < min || value > 1000) found[field] = translate('hearth.backups.schedules.keep_invalid', { min });
  }
  return found;
}

interface ScheduleDialogProps {
  instance: Instance;
  /** The schedule to change; a new one when absent. */
  schedule?: BackupSchedule;
  targets: BackupTarget[];
  recipients: BackupRecipient[];
  onClose: () => void;
  onSaved: (schedule: BackupSchedule) => void;
}

/** When an instance is backed up (a preset or a cron expression, in a time zone), where to, for whom, and how many are kept. */
export function ScheduleDialog({ instance, schedule, targets, recipients, onClose, onSaved }: ScheduleDialogProps) {
  const translate = useTranslate();
  const [cron, setCron] = useState(schedule?.cron ?? SCHEDULE_PRESETS[0].cron);
  const [timezone, setTimezone] = useState(schedule?.timezone ?? localTimeZone());
  const [targetId, setTargetId] = useState(schedule?.targetId ?? (targets.length === 1 ? targets[0].id : ''));
  const [recipientIds, setRecipientIds] = useState(schedule?.recipientIds ?? (recipients.length === 1 ? [recipients[0].id] : []));
  const [keep, setKeep] = useState<Record<KeepField, string>>(() =>
    Object.fromEntries(KEEP_FIELDS.map((field) => [field, String(schedule?.[field] ?? DEFAULT_KEEP[field])])) as Record<KeepField, string>,
  );
  const { pending, errors, problem, submit } = useFormRequest({ 'backup_schedule/invalid_cron': 'cron' });
  const preset = presetOf(cron);
  const [custom, setCustom] = useState(preset === undefined);

  const send = () => {
    const settings: Settings = {
      cron: cron.trim(),
      timezone,
      targetId,
      recipientIds,
      ...(Object.fromEntries(KEEP_FIELDS.map((field) => [field, keep[field].trim() === '' ? NaN : Number(keep[field])])) as Record<KeepField, number>),
    };
    void submit(
      check(settings, translate),
      () => (schedule ? backupsApi.updateSchedule(schedule.id, changes(schedule, settings)) : backupsApi.addSchedule({ instanceId: instance.id, ...settings })),
      onSaved,
    );
  };

  return (
    <FormDialog
      onClose={onClose}
      title={schedule ? 'hearth.backups.schedules.edit_title' : 'hearth.backups.schedules.add_title'}
      submitLabel={schedule ? 'hearth.backups.schedules.save' : 'hearth.backups.schedules.add'}
      messageArgs={{ name: instance.name }}
      disabled={pending}
      onSubmit={send}
    >
      {problem && <Alert severity="error">{problem}</Alert>}
      <TextField
        select
        label={translate('hearth.backups.schedules.when')}
        value={custom ? CUSTOM : (preset?.cron ?? CUSTOM)}
        onChange={(event) => {
          const chosen = event.target.value;
          setCustom(chosen === CUSTOM);
          if (chosen !== CUSTOM) setCron(chosen);
        }}
      >
        {SCHEDULE_PRESETS.map((option) => (
          <MenuItem key={option.cron} value={option.cron}>
            {translate(option.label)}
          </MenuItem>
        ))}
        <MenuItem value={CUSTOM}>{translate('hearth.backups.schedules.preset.custom')}</MenuItem>
      </TextField>
      {custom && (
        <TextField
          label={translate('hearth.backups.schedules.cron')}
          value={cron}
          onChange={(event) => setCron(event.target.value)}
          error={Boolean(errors.cron)}
          helperText={errors.cron ?? translate('hearth.backups.schedules.cron_help')}
          autoComplete="off"
          slotProps={{ htmlInput: { spellCheck: false, sx: { fontFamily: 'monospace' }, maxLength: 100 } }}
        />
      )}
      <Autocomplete
        options={timeZones(timezone)}
        value={timezone}
        onChange={(_, zone) => zone && setTimezone(zone)}
        disableClearable
        renderInput={(params) => (
          <TextField {...params} label={translate('hearth.backups.schedules.timezone')} helperText={errors.timezone ?? translate('hearth.backups.schedules.timezone_help')} error={Boolean(errors.timezone)} />
        )}
      />
      <TargetChoice targets={targets} value={targetId} onChange={setTargetId} error={errors.targetId} />
      <RecipientChoice recipients={recipients} value={recipientIds} onChange={setRecipientIds} error={errors.recipientIds} />
      <Typography variant="subtitle2" component="h3">
        {translate('hearth.backups.schedules.keep_title')}
      </Typography>
      <Grid container spacing={2}>
        {KEEP_FIELDS.map((field) => (
          <Grid key={field} size={{ xs: 6, sm: 3 }}>
            <TextField
              type="number"
              label={translate(KEEP_LABEL[field].label)}
              value={keep[field]}
              onChange={(event) => setKeep({ ...keep, [field]: event.target.value })}
              error={Boolean(errors[field])}
              helperText={errors[field] ?? translate(KEEP_LABEL[field].help)}
              slotProps={{ htmlInput: { min: field === 'keepLast' ? 1 : 0, max: 1000 } }}
            />
          </Grid>
        ))}
      </Grid>
    </FormDialog>
  );
}
