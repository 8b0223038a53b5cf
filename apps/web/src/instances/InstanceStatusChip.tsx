import { Chip } from '@mui/material';
import type { Instance } from '@hearth/contracts';
import { useRecordContext, useTranslate } from 'react-admin';
import { INSTANCE_STATUS_LOOK } from './instanceStatus';

/** The instance's status as a coloured chip: green running, amber degraded, red down or failed. */
export function InstanceStatusChip({ size = 'small' }: { size?: 'small' | 'medium' }) {
  const instance = useRecordContext<Instance>();
  const translate = useTranslate();
  if (!instance) return null;
  const { Icon, colour, label } = INSTANCE_STATUS_LOOK[instance.status];
  return (
    <Chip
      size={size}
      icon={<Icon />}
      color={colour ?? 'default'}
      variant={instance.status === 'running' ? 'filled' : 'outlined'}
      label={translate(label)}
      data-testid="instance-status"
    />
  );
}
