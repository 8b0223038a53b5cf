import { Chip } from '@mui/material';
import type { Backup } from '@hearth/contracts';
import { useRecordContext, useTranslate } from 'react-admin';
import { backupLook } from './backupStatus';

/** The backup's status as a chip: filled green only when it was verified (and has not failed a check since). */
export function BackupStatusChip({ size = 'small' }: { size?: 'small' | 'medium' }) {
  const backup = useRecordContext<Backup>();
  const translate = useTranslate();
  if (!backup) return null;
  const { Icon, colour, label } = backupLook(backup);
  return (
    <Chip
      size={size}
      icon={<Icon />}
      color={colour ?? 'default'}
      variant={colour === 'success' ? 'filled' : 'outlined'}
      label={translate(label)}
      data-testid="backup-status"
    />
  );
}
