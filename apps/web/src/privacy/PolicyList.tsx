import AddIcon from '@mui/icons-material/Add';
import { Button, Chip, Stack, TableCell, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { RetentionPolicy } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { formatDateTime } from '../common/dates';
import { ItemsPage } from '../common/ItemsPage';
import { LinkRow } from '../moderation/LinkRow';
import { retentionApi, retentionKeys, usePresetName } from './retentionApi';
import { useInstanceNames } from './useInstanceNames';

// Written out so the catalogue test finds every key.
const COLUMNS = [
  'resources.retention-policies.fields.name',
  'resources.retention-policies.fields.instanceIds',
  'resources.retention-policies.fields.console',
  'resources.retention-policies.fields.updatedAt',
];

function PolicyRow({ policy, nameOf }: { policy: RetentionPolicy; nameOf: (instanceId: string) => string }) {
  const translate = useTranslate();
  const presetName = usePresetName();
  return (
    <LinkRow
      to={`/retention-policies/${encodeURIComponent(policy.id)}/show`}
      label={policy.name}
      detail={policy.preset ? translate('hearth.privacy.from_preset', { preset: presetName(policy.preset) }) : null}
    >
      <TableCell>
        {policy.instanceIds.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            {translate('hearth.privacy.no_instances')}
          </Typography>
        ) : (
          <Typography variant="body2">{policy.instanceIds.map(nameOf).sort((a, b) => a.localeCompare(b)).join(', ')}</Typography>
        )}
      </TableCell>
      <TableCell>{policy.console && <Chip size="small" color="primary" variant="outlined" label={translate('hearth.privacy.console_chip')} />}</TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(policy.updatedAt)}</TableCell>
    </LinkRow>
  );
}

/** The retention policies, the servers under each, and the one Hearth's own records follow. */
export default function PolicyList() {
  const translate = useTranslate();
  const mayManage = useCan('instances.manage');
  const nameOf = useInstanceNames();
  const policies = useQuery({ queryKey: retentionKeys.policies(), queryFn: ({ signal }) => retentionApi.policies(signal) });
  return (
    <ItemsPage
      title="hearth.privacy.policies.title"
      intro="hearth.privacy.policies.intro"
      none="hearth.privacy.policies.none"
      actions={
        mayManage && (
          <Stack direction="row" sx={{ flexShrink: 0 }}>
            <Button component={Link} to="/retention-policies/create" variant="contained" startIcon={<AddIcon />}>
              {translate('hearth.privacy.policies.create')}
            </Button>
          </Stack>
        )
      }
      query={policies}
      columns={COLUMNS}
      rowActions={false}
      row={(policy) => <PolicyRow key={policy.id} policy={policy} nameOf={nameOf} />}
    />
  );
}
