import { Chip } from '@mui/material';
import type { RolloutInstance, UpgradeRollout } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { ROLLOUT_STATUS_LOOK, SERVER_STATUS_LOOK } from './rolloutStatus';

type Look = (typeof ROLLOUT_STATUS_LOOK)[keyof typeof ROLLOUT_STATUS_LOOK];

function StatusChip({ look, testId }: { look: Look; testId: string }) {
  const translate = useTranslate();
  const { Icon, colour, label } = look;
  return (
    <Chip
      size="small"
      icon={<Icon />}
      color={colour ?? 'default'}
      variant={colour === 'success' ? 'filled' : 'outlined'}
      label={translate(label)}
      data-testid={testId}
    />
  );
}

/** Where the rollout is: running, waiting for its window, or how it ended. */
export function RolloutStatusChip({ status }: { status: UpgradeRollout['status'] }) {
  return <StatusChip look={ROLLOUT_STATUS_LOOK[status]} testId="rollout-status" />;
}

/** Where one of its servers is: still to do, being upgraded, upgraded, failed, or left out. */
export function ServerStatusChip({ status }: { status: RolloutInstance['status'] }) {
  return <StatusChip look={SERVER_STATUS_LOOK[status]} testId="rollout-server-status" />;
}
