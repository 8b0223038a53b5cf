import { Alert } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { BackupRecipient, BackupTarget } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { backupKeys, backupsApi } from '../backups/backupsApi';

/**
 * Where the backup every upgrade starts with goes, and the keys it is encrypted to: read only
 * when `enabled` (for admins who may see backups). `ready` once there is at least one of each.
 */
export function useUpgradeBackup(enabled: boolean) {
  const targets = useQuery({ queryKey: backupKeys.targets(), queryFn: ({ signal }) => backupsApi.targets(signal), enabled });
  const recipients = useQuery({ queryKey: backupKeys.recipients(), queryFn: ({ signal }) => backupsApi.recipients(signal), enabled });
  const targetList = targets.data?.data ?? [];
  const recipientList = recipients.data?.data ?? [];
  const loaded = targets.isSuccess && recipients.isSuccess;
  return {
    targets: targetList,
    recipients: recipientList,
    loaded,
    ready: loaded && targetList.length > 0 && recipientList.length > 0,
    error: targets.error ?? recipients.error,
  };
}

/** The only one there is is the likely choice; among several the operator picks. */
export const onlyOne = <T extends { id: string }>(items: T[]) => (items.length === 1 ? [items[0].id] : []);

/** Says that an upgrade needs a backup target and a key, with a link to add whichever is missing. */
export function UpgradeBackupSetup({ targets, recipients }: { targets: BackupTarget[]; recipients: BackupRecipient[] }) {
  const translate = useTranslate();
  return (
    <Alert severity="info" role="note">
      {translate('hearth.versions.setup')}{' '}
      {targets.length === 0 && <Link to="/backup-targets">{translate('hearth.backups.card.setup_target')}</Link>}
      {targets.length === 0 && recipients.length === 0 && ' · '}
      {recipients.length === 0 && <Link to="/backup-recipients">{translate('hearth.backups.card.setup_key')}</Link>}
    </Alert>
  );
}
