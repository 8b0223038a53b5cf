import { useState } from 'react';
import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Instance, Job, PrivacyReport, RetentionPolicy } from '@hearth/contracts';
import { Link, useRefresh, useTranslate } from 'react-admin';
import { useCan } from '../../access';
import { PROGRAM } from '../../accounts/accountSupport';
import { formatDateTime } from '../../common/dates';
import { downloadText } from '../../common/download';
import { ReasonDialog } from '../../common/ReasonDialog';
import { Section } from '../../common/Section';
import { useRequest } from '../../common/useRequest';
import { federationKeys } from '../../federation/federationApi';
import { isFederationReadable } from '../../federation/modes';
import { JobFollower } from '../../jobs/JobFollower';
import { Loaded } from '../../moderation/Loaded';
import { retentionApi, retentionKeys } from '../retentionApi';
import { PrivacyReportTable } from './PrivacyReportTable';

interface ApplyPolicyProps {
  instance: Instance;
  current: PrivacyReport['policy'];
  policies: RetentionPolicy[];
  /** A change started here is still running: no other may start meanwhile. */
  busy: boolean;
  onStarted: (jobId: string, policyName: string) => void;
}

/** Chooses the policy the server is under; applying it (again, to repair drift) is confirmed first. */
function ApplyPolicy({ instance, current, policies, busy, onStarted }: ApplyPolicyProps) {
  const translate = useTranslate();
  const { pending, run } = useRequest();
  const [chosen, setChosen] = useState(current?.id ?? '');
  const [open, setOpen] = useState(false);
  const policy = policies.find((candidate) => candidate.id === chosen);
  if (policies.length === 0) {
    return (
      <Alert severity="info" role="note">
        {translate('hearth.privacy.card.no_policies')} <Link to="/retention-policies/create">{translate('hearth.privacy.policies.create')}</Link>
      </Alert>
    );
  }
  const again = chosen === current?.id;
  const args = { name: instance.name, policy: policy?.name ?? '' };
  return (
    <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }}>
      <TextField
        select
        size="small"
        label={translate('hearth.privacy.card.choose')}
        value={chosen}
        onChange={(event) => setChosen(event.target.value)}
        sx={{ minWidth: 260 }}
      >
        {policies.map((candidate) => (
          <MenuItem key={candidate.id} value={candidate.id}>
            {candidate.name}
          </MenuItem>
        ))}
      </TextField>
      <Button variant="contained" disabled={!policy || busy} onClick={() => setOpen(true)} sx={{ mt: 0.25 }}>
        {translate(again ? 'hearth.privacy.card.apply_again' : 'hearth.privacy.card.apply')}
      </Button>
      <ReasonDialog
        open={open}
        onClose={() => setOpen(false)}
        title="hearth.privacy.card.apply_title"
        content="hearth.privacy.card.apply_content"
        submitLabel="hearth.privacy.card.apply"
        messageArgs={args}
        pending={pending}
        onConfirm={({ reason }) =>
          run(
            () => retentionApi.assign(instance.id, chosen, reason || undefined),
            ({ jobId }) => {
              setOpen(false);
              onStarted(jobId, args.policy);
            },
          )
        }
      />
    </Box>
  );
}

/** The report's counts in a sentence, with a download of it as the community's privacy notice. */
function Summary({ instance, report }: { instance: Instance; report: PrivacyReport }) {
  const translate = useTranslate();
  const { pending, run } = useRequest();
  const { ok, drift, unsupported } = report.summary;
  const server = translate(PROGRAM[instance.kind]);
  return (
    <Stack spacing={1.5}>
      <Alert severity={drift > 0 ? 'error' : 'success'} data-testid="privacy-summary">
        {translate('hearth.privacy.report.summary', { ok, drift, unsupported, server })}{' '}
        {drift > 0 && translate('hearth.privacy.report.drift_hint')}
      </Alert>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <Button
          variant="outlined"
          startIcon={<DownloadIcon />}
          disabled={pending}
          onClick={() =>
            run(
              () => retentionApi.reportMarkdown(instance.id),
              (markdown) => downloadText(`privacy-${instance.domain}.md`, markdown, 'text/markdown;charset=utf-8'),
            )
          }
        >
          {translate('hearth.privacy.report.download')}
        </Button>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.privacy.report.checked', { time: formatDateTime(report.generatedAt) })}
        </Typography>
      </Box>
    </Stack>
  );
}

/** After a failed change: the job undid it, unless even the previous configuration did not come up. */
function Undone({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  return (
    <Alert severity={instance.status === 'failed' ? 'error' : 'warning'} sx={{ mt: 1 }}>
      {translate(instance.status === 'failed' ? 'hearth.privacy.card.undo_failed' : 'hearth.privacy.card.undone', { name: instance.name })}
    </Alert>
  );
}

/**
 * The instance's privacy: the retention policy it is under and, for admins, putting it under
 * another (a job followed here); then the privacy report, read back from the running server, and
 * its download as a Markdown privacy notice.
 */
export function PrivacySection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const mayManage = useCan('instances.manage');
  const report = useQuery({
    queryKey: retentionKeys.report(instance.id, instance.status),
    queryFn: ({ signal }) => retentionApi.report(instance.id, signal),
  });
  const policies = useQuery({
    queryKey: retentionKeys.policies(),
    queryFn: ({ signal }) => retentionApi.policies(signal),
    enabled: mayManage && instance.managed,
  });
  const [change, setChange] = useState<{ jobId: string; policy: string }>();
  const [finished, setFinished] = useState<Job>();
  const busy = change !== undefined && finished === undefined;
  const current = report.data?.policy ?? null;

  const started = (jobId: string, policy: string) => {
    setFinished(undefined);
    setChange({ jobId, policy });
  };
  const onFinished = (job: Job) => {
    setFinished(job);
    void queryClient.invalidateQueries({ queryKey: retentionKeys.reports(instance.id) });
    void queryClient.invalidateQueries({ queryKey: retentionKeys.policies() });
    // A policy sets the server's federation too.
    void queryClient.invalidateQueries({ queryKey: federationKeys.instance(instance.id) });
    refresh();
  };

  return (
    <Section title="hearth.privacy.card.title">
      <Stack spacing={2}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.privacy.card.intro')}
        </Typography>
        {change && (
          <Box>
            <JobFollower jobId={change.jobId} title="hearth.privacy.card.job" titleArgs={{ name: instance.name, policy: change.policy }} onFinished={onFinished} />
            {finished && finished.status !== 'succeeded' && <Undone instance={instance} />}
            {finished && (
              <Button onClick={() => setChange(undefined)} sx={{ mt: 1 }}>
                {translate('hearth.instances.operation.dismiss')}
              </Button>
            )}
          </Box>
        )}
        <Box data-testid="privacy-policy">
          <Typography variant="body2">
            {current ? (
              <>
                {translate('hearth.privacy.card.under')}{' '}
                <Link to={`/retention-policies/${encodeURIComponent(current.id)}/show`}>{current.name}</Link>
              </>
            ) : (
              report.isSuccess && translate('hearth.privacy.card.no_policy')
            )}
          </Typography>
        </Box>
        {!instance.managed ? (
          <Alert severity="info" role="note">
            {translate('hearth.privacy.card.adopted', { name: instance.name })}
          </Alert>
        ) : (
          mayManage &&
          report.isSuccess && (
            <Loaded query={policies}>
              {({ data }) => (
                // Keyed by the current policy: once a change has taken, the choice starts from it.
                <ApplyPolicy key={current?.id ?? ''} instance={instance} current={current} policies={data} busy={busy} onStarted={started} />
              )}
            </Loaded>
          )
        )}
        {!isFederationReadable(instance) && (
          <Alert severity="info" role="note">
            {translate('hearth.privacy.card.not_running', { name: instance.name })}
          </Alert>
        )}
        <Loaded query={report}>
          {(data) => (
            <Stack spacing={2}>
              <Box sx={{ overflowX: 'auto' }}>
                <PrivacyReportTable report={data} />
              </Box>
              <Summary instance={instance} report={data} />
            </Stack>
          )}
        </Loaded>
      </Stack>
    </Section>
  );
}
