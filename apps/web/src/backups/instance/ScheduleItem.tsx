import EditIcon from '@mui/icons-material/Edit';
import { Box, Button, Chip, FormControlLabel, Stack, Switch, Typography } from '@mui/material';
import type { Backup, BackupRecipient, BackupSchedule } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../../common/dates';
import { useRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';
import { BACKUP_STATUS_LOOK } from '../backupStatus';
import { RemoveButton } from '../RemoveButton';
import { presetOf } from './schedulePresets';

interface ScheduleItemProps {
  schedule: BackupSchedule;
  recipients: BackupRecipient[];
  mayManage: boolean;
  onEdit: () => void;
  onChanged: () => void;
}

/** One schedule in words: when, where to, for whom, what is kept, and how its latest run went. */
export function ScheduleItem({ schedule, recipients, mayManage, onEdit, onChanged }: ScheduleItemProps) {
  const translate = useTranslate();
  const toggle = useRequest();
  const preset = presetOf(schedule.cron);
  const when = preset ? translate(preset.label) : translate('hearth.backups.schedules.cron_schedule', { cron: schedule.cron });
  const names = schedule.recipientIds.map((id) => recipients.find((recipient) => recipient.id === id)?.name ?? id.slice(0, 8)).join(', ');
  const lastStatus = schedule.lastStatus && schedule.lastStatus in BACKUP_STATUS_LOOK ? translate(BACKUP_STATUS_LOOK[schedule.lastStatus as Backup['status']].label) : schedule.lastStatus;
  return (
    <Box component="li" data-testid="backup-schedule" sx={{ py: 1, borderTop: 1, borderColor: 'divider', listStyle: 'none' }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography sx={{ fontWeight: 500 }}>{translate('hearth.backups.schedules.summary', { when, timezone: schedule.timezone })}</Typography>
        {!schedule.enabled && <Chip size="small" variant="outlined" label={translate('hearth.backups.schedules.paused')} />}
      </Stack>
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.backups.schedules.details', {
          target: schedule.targetName,
          recipients: names,
          last: schedule.keepLast,
          daily: schedule.keepDaily,
          weekly: schedule.keepWeekly,
          monthly: schedule.keepMonthly,
        })}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        {[
          schedule.nextRunAt && translate('hearth.backups.schedules.next', { time: formatDateTime(schedule.nextRunAt) }),
          schedule.lastBackupAt && translate('hearth.backups.schedules.last', { time: formatDateTime(schedule.lastBackupAt), status: lastStatus }),
        ]
          .filter(Boolean)
          .join(' · ')}
      </Typography>
      {mayManage && (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mt: 0.5 }}>
          <FormControlLabel
            control={
              <Switch
                checked={schedule.enabled}
                disabled={toggle.pending}
                onChange={(event) => toggle.run(() => backupsApi.updateSchedule(schedule.id, { enabled: event.target.checked }), onChanged)}
              />
            }
            label={translate('hearth.backups.schedules.enabled')}
          />
          <Button size="small" startIcon={<EditIcon />} onClick={onEdit}>
            {translate('hearth.backups.schedules.edit')}
          </Button>
          <RemoveButton
            title="hearth.backups.schedules.remove_title"
            content="hearth.backups.schedules.remove_content"
            messageArgs={{ name: schedule.instanceName, when }}
            remove={() => backupsApi.removeSchedule(schedule.id)}
            onRemoved={onChanged}
          />
        </Stack>
      )}
    </Box>
  );
}
