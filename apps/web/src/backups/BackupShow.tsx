import { type ReactElement, useState } from 'react';
import { Alert, Box, Button, Card, CardContent, Grid, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { Backup, Job } from '@hearth/contracts';
import { DateField, Labeled, Link, NumberField, SelectField, Show, TextField, useLocaleState, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { Section } from '../common/Section';
import { instanceKindChoices } from '../instances/instanceStatus';
import { JobFollower } from '../jobs/JobFollower';
import { type BackupOperation, BackupActions } from './BackupActions';
import { BackupDuration, BackupSize } from './BackupFields';
import { backupKeys, backupsApi } from './backupsApi';
import { BackupStatusChip } from './BackupStatusChip';
import { formatBytes } from './format';

const RUNNING_POLL_MS = 2_000;

/** Written out so the catalogue test finds every key; the API may add triggers, shown as they come. */
const TRIGGER_LABEL: Record<string, string> = {
  manual: 'hearth.backups.trigger.manual',
  schedule: 'hearth.backups.trigger.schedule',
};

const OPERATION_TITLE: Record<BackupOperation['name'], string> = {
  verify: 'hearth.backups.operation.verify',
  drill: 'hearth.backups.operation.drill',
  restore: 'hearth.backups.operation.restore',
};

function Fact({ source, children }: { source: string; children: ReactElement }) {
  return (
    <Grid size={{ xs: 12, sm: 6 }}>
      <Labeled source={source}>{children}</Labeled>
    </Grid>
  );
}

/** A result of a check: passed or failed, when, and what it found. */
function Outcome({ ok, at, detail, passed, failed }: { ok: boolean | null; at: string | null; detail?: string | null; passed: string; failed: string }) {
  const translate = useTranslate();
  if (ok === null || !at) return <Typography variant="body2">{translate('hearth.backups.show.never')}</Typography>;
  return (
    <Box>
      <Typography variant="body2" color={ok ? 'success.main' : 'error.main'}>
        {translate(ok ? passed : failed, { time: formatDateTime(at) })}
      </Typography>
      {detail && (
        <Typography variant="body2" color="text.secondary" sx={{ wordBreak: 'break-word' }}>
          {detail}
        </Typography>
      )}
    </Box>
  );
}

/** The public keys it is encrypted to, by the names they were added under where they still exist. */
function Recipients({ keys }: { keys: string[] }) {
  const translate = useTranslate();
  const recipients = useQuery({ queryKey: backupKeys.recipients(), queryFn: ({ signal }) => backupsApi.recipients(signal) });
  const names = new Map(recipients.data?.data.map((recipient) => [recipient.publicKey, recipient.name]));
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {keys.map((key) => (
        <li key={key}>
          <Typography variant="body2">{names.get(key) ?? translate('hearth.backups.show.removed_key')}</Typography>
          <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} color="text.secondary">
            {key}
          </Typography>
        </li>
      ))}
    </Box>
  );
}

function BackupDetails() {
  const backup = useRecordContext<Backup>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!backup) return null;
  return (
    <Grid container spacing={2}>
      <Grid size={{ xs: 12, lg: 6 }}>
        <Stack spacing={2}>
          <Section title="hearth.backups.show.overview">
            <Stack spacing={2}>
              <Box>
                <BackupStatusChip size="medium" />
              </Box>
              {backup.error && <Alert severity="error">{backup.error}</Alert>}
              <Grid container spacing={2}>
                <Fact source="instanceName">
                  {backup.instanceId ? (
                    <Link to={`/instances/${backup.instanceId}/show`}>{backup.instanceName}</Link>
                  ) : (
                    <Typography variant="body2">{translate('hearth.backups.show.instance_gone', { name: backup.instanceName })}</Typography>
                  )}
                </Fact>
                <Fact source="domain">
                  <TextField source="domain" />
                </Fact>
                <Fact source="kind">
                  <SelectField source="kind" choices={instanceKindChoices} />
                </Fact>
                <Fact source="trigger">
                  <Typography variant="body2">{translate(TRIGGER_LABEL[backup.trigger] ?? backup.trigger)}</Typography>
                </Fact>
                <Fact source="startedAt">
                  <DateField source="startedAt" showTime />
                </Fact>
                <Fact source="durationMs">
                  <BackupDuration />
                </Fact>
                <Fact source="targetName">
                  <Link to="/backup-targets">{backup.targetName}</Link>
                </Fact>
                {backup.jobId && (
                  <Fact source="jobId">
                    <Link to={`/jobs/${backup.jobId}/show`}>{translate('hearth.backups.show.open_job')}</Link>
                  </Fact>
                )}
              </Grid>
            </Stack>
          </Section>
          <Section title="hearth.backups.show.contents">
            <Grid container spacing={2}>
              <Fact source="accountCount">
                <NumberField source="accountCount" emptyText="—" />
              </Fact>
              <Fact source="fileCount">
                <NumberField source="fileCount" emptyText="—" />
              </Fact>
              <Fact source="contentBytes">
                <Typography variant="body2">{backup.contentBytes === null ? '—' : formatBytes(backup.contentBytes, locale)}</Typography>
              </Fact>
              <Fact source="sizeBytes">
                <BackupSize />
              </Fact>
              <Fact source="serverVersion">
                <TextField source="serverVersion" emptyText="—" />
              </Fact>
              <Fact source="hearthVersion">
                <TextField source="hearthVersion" />
              </Fact>
            </Grid>
          </Section>
        </Stack>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <Stack spacing={2}>
          <Section title="hearth.backups.show.checks">
            <Stack spacing={2}>
              <Labeled source="lastCheckAt">
                <Outcome ok={backup.lastCheckOk} at={backup.lastCheckAt} passed="hearth.backups.show.check_passed" failed="hearth.backups.show.check_failed" />
              </Labeled>
              <Labeled source="lastDrillAt">
                <Box data-testid="backup-drill-outcome">
                  <Outcome
                    ok={backup.lastDrillOk}
                    at={backup.lastDrillAt}
                    detail={backup.lastDrillDetail}
                    passed="hearth.backups.show.drill_passed"
                    failed="hearth.backups.show.drill_failed"
                  />
                </Box>
              </Labeled>
            </Stack>
          </Section>
          <Section title="hearth.backups.show.encryption">
            <Stack spacing={2}>
              <Typography variant="body2" color="text.secondary">
                {translate('hearth.backups.show.encryption_intro')}
              </Typography>
              <Labeled source="recipients">
                <Recipients keys={backup.recipients} />
              </Labeled>
              <Labeled source="objectKey">
                <TextField source="objectKey" emptyText="—" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} />
              </Labeled>
              <Labeled source="sha256">
                <TextField source="sha256" emptyText="—" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} />
              </Labeled>
            </Stack>
          </Section>
        </Stack>
      </Grid>
    </Grid>
  );
}

/** A job started on this page, followed until it ends; a restore links to the instance it restored into. */
function OperationCard({ operation, onFinished, onDismiss }: { operation: BackupOperation & { finished: boolean }; onFinished: (job: Job) => void; onDismiss: () => void }) {
  const backup = useRecordContext<Backup>();
  const translate = useTranslate();
  if (!backup) return null;
  const restore = operation.name === 'restore' ? operation.restore : undefined;
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <JobFollower
          jobId={operation.jobId}
          title={OPERATION_TITLE[operation.name]}
          titleArgs={{ name: backup.instanceName, target: restore?.name }}
          onFinished={onFinished}
        />
        <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
          {restore && (
            <Button component={Link} to={`/instances/${restore.instanceId}/show`}>
              {translate('hearth.backups.operation.open_instance', { name: restore.name })}
            </Button>
          )}
          {operation.finished && <Button onClick={onDismiss}>{translate('hearth.instances.operation.dismiss')}</Button>}
        </Stack>
      </CardContent>
    </Card>
  );
}

export default function BackupShow() {
  const refresh = useRefresh();
  const [operation, setOperation] = useState<BackupOperation & { finished: boolean }>();
  const busy = operation !== undefined && !operation.finished;
  return (
    <Show
      component="div"
      emptyWhileLoading
      actions={<BackupActions busy={busy} onStarted={(started) => setOperation({ ...started, finished: false })} />}
      queryOptions={{
        refetchInterval: (query: { state: { data?: Backup } }) => (busy || query.state.data?.status === 'running' ? RUNNING_POLL_MS : false),
      }}
    >
      {operation && (
        <OperationCard
          operation={operation}
          onFinished={() => {
            setOperation({ ...operation, finished: true });
            refresh();
          }}
          onDismiss={() => setOperation(undefined)}
        />
      )}
      <BackupDetails />
    </Show>
  );
}
