import LockIcon from '@mui/icons-material/Lock';
import { Chip } from '@mui/material';
import type { InstanceUser } from '@hearth/contracts';
import { useRecordContext, useTranslate } from 'react-admin';

/** "Locked" or "Active"; in a list row the account comes from the record context. */
export function AccountStatusChip({ account: given }: { account?: InstanceUser }) {
  const translate = useTranslate();
  const account = useRecordContext<InstanceUser>({ record: given });
  if (!account) return null;
  return account.deactivated ? (
    <Chip size="small" color="warning" icon={<LockIcon />} label={translate('hearth.accounts.locked')} />
  ) : (
    <Chip size="small" variant="outlined" label={translate('hearth.accounts.active')} />
  );
}
