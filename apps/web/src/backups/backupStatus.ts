import AutorenewIcon from '@mui/icons-material/Autorenew';
import DeleteSweepIcon from '@mui/icons-material/DeleteSweep';
import ErrorIcon from '@mui/icons-material/Error';
import VerifiedIcon from '@mui/icons-material/Verified';
import { type Backup, BackupStatus } from '@hearth/contracts';
import type { StatusLook } from '../jobs/jobStatus';

type Look = StatusLook & { label: string };

/** Written out so the compiler insists on every status and the catalogue test finds every key. Only a verified backup looks good. */
export const BACKUP_STATUS_LOOK: Record<Backup['status'], Look> = {
  running: { Icon: AutorenewIcon, colour: 'info', label: 'hearth.backups.status.running' },
  verified: { Icon: VerifiedIcon, colour: 'success', label: 'hearth.backups.status.verified' },
  failed: { Icon: ErrorIcon, colour: 'error', label: 'hearth.backups.status.failed' },
  pruned: { Icon: DeleteSweepIcon, label: 'hearth.backups.status.pruned' },
};

/** A verified backup whose stored object later failed its check is no longer good. */
const CHECK_FAILED: Look = { Icon: ErrorIcon, colour: 'error', label: 'hearth.backups.status.check_failed' };

export function backupLook(backup: Pick<Backup, 'status' | 'lastCheckOk'>): Look {
  return backup.status === 'verified' && backup.lastCheckOk === false ? CHECK_FAILED : BACKUP_STATUS_LOOK[backup.status];
}

export const backupStatusChoices = BackupStatus.options.map((id) => ({ id, name: BACKUP_STATUS_LOOK[id].label }));

/** Only a verified backup can be restored or drilled (the API insists). */
export function isRestorable(backup: Pick<Backup, 'status'>): boolean {
  return backup.status === 'verified';
}
