import { type ReactNode, useState } from 'react';
import CancelIcon from '@mui/icons-material/Cancel';
import { Alert, Box, Card, CardContent, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { UpgradeRollout } from '@hearth/contracts';
import { Button, Confirm, Link, Title, useNotify, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { useCan } from '../access';
import { formatDateTime } from '../common/dates';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { Loaded } from '../moderation/Loaded';
import { browserTimeZone } from './rolloutDraft';
import { RolloutStatusChip, ServerStatusChip } from './RolloutStatusChip';
import { rolloutKeys, rolloutsApi } from './rolloutsApi';
import { isRolloutActive, useProgressText, useRolloutName, windowText } from './rolloutStatus';

const POLL_MS = 2_000;

// Written out so the catalogue test finds every key.
const SERVER_COLUMNS = [
  'hearth.rollouts.show.server',
  'resources.upgrade-rollouts.fields.status',
  'hearth.rollouts.show.job',
  'hearth.rollouts.show.detail',
];

/** Starts no further upgrade, once confirmed; one under way finishes (or is undone) as usual. */
function CancelRolloutButton({ rollout, name, onCancelled }: { rollout: UpgradeRollout; name: string; onCancelled: (rollout: UpgradeRollout) => void }) {
  const { pending, run } = useRequest();
  const [confirming, setConfirming] = useState(false);
  const upgrading = rollout.instances.find((entry) => entry.status === 'upgrading');
  return (
    <>
      <Button label="hearth.rollouts.cancel.button" color="error" variant="outlined" onClick={() => setConfirming(true)}>
        <CancelIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        loading={pending}
        title="hearth.rollouts.cancel.title"
        content={upgrading ? 'hearth.rollouts.cancel.content_upgrading' : 'hearth.rollouts.cancel.content'}
        confirm="hearth.rollouts.cancel.submit"
        cancel="hearth.rollouts.cancel.keep"
        confirmColor="warning"
        translateOptions={{ name, server: upgrading?.name }}
        onClose={() => setConfirming(false)}
        onConfirm={() =>
          run(
            () => rolloutsApi.cancel(rollout.id),
            (cancelled) => {
              setConfirming(false);
              onCancelled(cancelled);
            },
          )
        }
      />
    </>
  );
}

/** A label and its value, one line of the overview. */
function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  const translate = useTranslate();
  return (
    <TableRow data-testid={testId}>
      <TableCell component="th" scope="row" sx={{ width: 200, color: 'text.secondary' }}>
        {translate(label)}
      </TableCell>
      <TableCell>{children}</TableCell>
    </TableRow>
  );
}

/** Where the rollout is, why, when its window next opens (in the operator's time), and cancelling it. */
function Overview({ rollout }: { rollout: UpgradeRollout }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const mayManage = useCan('instances.manage');
  const name = useRolloutName()(rollout);
  const progress = useProgressText()(rollout);
  const waiting = rollout.status === 'waiting' && rollout.nextWindowAt;
  return (
    <Card>
      <CardContent>
        <Stack spacing={2}>
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <RolloutStatusChip status={rollout.status} />
            <Typography sx={{ fontWeight: 500 }}>{name}</Typography>
            <Box sx={{ flexGrow: 1 }} />
            {mayManage && isRolloutActive(rollout.status) && (
              <CancelRolloutButton
                rollout={rollout}
                name={name}
                onCancelled={(cancelled) => {
                  queryClient.setQueryData(rolloutKeys.one(rollout.id), cancelled);
                  void queryClient.invalidateQueries({ queryKey: rolloutKeys.list() });
                  notify('hearth.rollouts.cancel.done', { type: 'info', messageArgs: { name } });
                }}
              />
            )}
          </Box>
          {rollout.statusReason && (
            <Alert severity={rollout.status === 'halted' ? 'error' : rollout.status === 'succeeded' ? 'success' : 'info'} data-testid="rollout-reason">
              {rollout.statusReason}
            </Alert>
          )}
          <Table size="small" aria-label={translate('hearth.rollouts.show.overview')}>
            <TableBody>
              {waiting && (
                <Fact label="resources.upgrade-rollouts.fields.nextWindowAt" testId="rollout-next-window">
                  {translate('hearth.rollouts.show.next_window', { time: formatDateTime(rollout.nextWindowAt!), zone: browserTimeZone() })}
                </Fact>
              )}
              <Fact label="resources.upgrade-rollouts.fields.window">{windowText(rollout.window, translate)}</Fact>
              <Fact label="resources.upgrade-rollouts.fields.progress">{progress}</Fact>
              <Fact label="resources.upgrade-rollouts.fields.createdAt">{formatDateTime(rollout.createdAt)}</Fact>
              {rollout.finishedAt && <Fact label="resources.upgrade-rollouts.fields.finishedAt">{formatDateTime(rollout.finishedAt)}</Fact>}
            </TableBody>
          </Table>
        </Stack>
      </CardContent>
    </Card>
  );
}

/** Each server in the order the rollout takes them: where it is, its upgrade job, and why it failed or was left out. */
function Servers({ rollout }: { rollout: UpgradeRollout }) {
  const translate = useTranslate();
  return (
    <Section title="hearth.rollouts.show.servers">
      <Table size="small" aria-label={translate('hearth.rollouts.show.servers')}>
        <TableHead>
          <TableRow>
            {SERVER_COLUMNS.map((column) => (
              <TableCell key={column}>{translate(column)}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {rollout.instances.map((entry) => (
            <TableRow key={entry.instanceId} data-testid={`rollout-server-${entry.name}`}>
              <TableCell>
                <Link to={`/instances/${encodeURIComponent(entry.instanceId)}/show`}>{entry.name}</Link>
              </TableCell>
              <TableCell>
                <ServerStatusChip status={entry.status} />
              </TableCell>
              <TableCell>
                {entry.jobId ? (
                  <Link to={`/jobs/${encodeURIComponent(entry.jobId)}/show`} aria-label={translate('hearth.rollouts.show.open_job', { name: entry.name })}>
                    {translate('hearth.rollouts.show.job_link')}
                  </Link>
                ) : (
                  '—'
                )}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'pre-line' }}>{entry.detail ?? ''}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Section>
  );
}

/** One rollout, read again every few seconds while it may still start upgrades. */
export default function RolloutShow() {
  const translate = useTranslate();
  const name = useRolloutName();
  const { id = '' } = useParams();
  const rollout = useQuery({
    queryKey: rolloutKeys.one(id),
    queryFn: ({ signal }) => rolloutsApi.get(id, signal),
    refetchInterval: (query) => (isRolloutActive(query.state.data?.status) ? POLL_MS : false),
  });
  return (
    <Stack spacing={2} sx={{ mt: 2 }}>
      <Title title={rollout.data ? translate('hearth.rollouts.show.title', { name: name(rollout.data) }) : 'hearth.rollouts.list.title'} />
      <Loaded query={rollout}>
        {(data) => (
          <>
            <Overview rollout={data} />
            <Servers rollout={data} />
          </>
        )}
      </Loaded>
    </Stack>
  );
}
