import { Chip, Stack, Tooltip, Typography } from '@mui/material';
import type { Backup } from '@hearth/contracts';
import { useLocaleState, useRecordContext, useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { formatDuration } from '../jobs/duration';
import { formatBytes } from './format';

/** The encrypted file's size, once it was written. */
export function BackupSize() {
  const backup = useRecordContext<Backup>();
  const [locale] = useLocaleState();
  if (!backup) return null;
  return <Typography component="span" variant="body2">{backup.sizeBytes === null ? '—' : formatBytes(backup.sizeBytes, locale)}</Typography>;
}

/** How long making it took, once it ended. */
export function BackupDuration() {
  const backup = useRecordContext<Backup>();
  const [locale] = useLocaleState();
  if (!backup) return null;
  return <Typography component="span" variant="body2">{backup.durationMs === null ? '—' : formatDuration(backup.durationMs, locale)}</Typography>;
}

/** The latest restore drill (the proof the backup restores), and when the stored file was last read back. */
export function BackupChecks() {
  const backup = useRecordContext<Backup>();
  const translate = useTranslate();
  if (!backup) return null;
  const drill =
    backup.lastDrillOk === null ? null : (
      <Tooltip title={backup.lastDrillDetail ?? ''}>
        <Chip
          size="small"
          variant="outlined"
          color={backup.lastDrillOk ? 'success' : 'error'}
          label={translate(backup.lastDrillOk ? 'hearth.backups.drill.passed' : 'hearth.backups.drill.failed')}
          data-testid="backup-drill"
        />
      </Tooltip>
    );
  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      {drill ?? (
        <Typography variant="body2" color="text.secondary">
          {backup.status === 'verified' ? translate('hearth.backups.drill.none') : '—'}
        </Typography>
      )}
      {backup.lastCheckAt && (
        <Typography variant="caption" color="text.secondary">
          {translate('hearth.backups.checked_at', { time: formatDateTime(backup.lastCheckAt) })}
        </Typography>
      )}
    </Stack>
  );
}
