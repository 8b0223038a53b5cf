import AddIcon from '@mui/icons-material/Add';
import { Button, Stack, TableCell } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { UpgradeRollout } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { formatDateTime } from '../common/dates';
import { ItemsPage } from '../common/ItemsPage';
import { LinkRow } from '../moderation/LinkRow';
import { RolloutStatusChip } from './RolloutStatusChip';
import { rolloutKeys, rolloutsApi } from './rolloutsApi';
import { isRolloutActive, useProgressText, useRolloutName, windowText } from './rolloutStatus';

const POLL_MS = 5_000;

// Written out so the catalogue test finds every key.
const COLUMNS = [
  'resources.upgrade-rollouts.fields.rollout',
  'resources.upgrade-rollouts.fields.status',
  'resources.upgrade-rollouts.fields.progress',
  'resources.upgrade-rollouts.fields.window',
  'resources.upgrade-rollouts.fields.createdAt',
];

function RolloutRow({ rollout }: { rollout: UpgradeRollout }) {
  const translate = useTranslate();
  const name = useRolloutName();
  const progress = useProgressText();
  return (
    <LinkRow to={`/upgrade-rollouts/${encodeURIComponent(rollout.id)}/show`} label={name(rollout)}>
      <TableCell>
        <RolloutStatusChip status={rollout.status} />
      </TableCell>
      <TableCell>{progress(rollout)}</TableCell>
      <TableCell>{windowText(rollout.window, translate)}</TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(rollout.createdAt)}</TableCell>
    </LinkRow>
  );
}

/** The latest rollouts, newest first, and (for admins) the way to start one. */
export default function RolloutList() {
  const translate = useTranslate();
  const mayManage = useCan('instances.manage');
  // Every upgrade starts with a backup: starting a rollout means choosing where it goes.
  const mayBackUp = useCan('backups.read');
  const rollouts = useQuery({
    queryKey: rolloutKeys.list(),
    queryFn: ({ signal }) => rolloutsApi.list(signal),
    refetchInterval: (query) => (query.state.data?.data.some((rollout) => isRolloutActive(rollout.status)) ? POLL_MS : false),
  });
  return (
    <ItemsPage
      title="hearth.rollouts.list.title"
      intro="hearth.rollouts.intro"
      none="hearth.rollouts.list.none"
      actions={
        mayManage &&
        mayBackUp && (
          <Stack direction="row" sx={{ flexShrink: 0 }}>
            <Button component={Link} to="/upgrade-rollouts/create" variant="contained" startIcon={<AddIcon />}>
              {translate('hearth.rollouts.list.create')}
            </Button>
          </Stack>
        )
      }
      query={rollouts}
      columns={COLUMNS}
      rowActions={false}
      row={(rollout) => <RolloutRow key={rollout.id} rollout={rollout} />}
    />
  );
}
