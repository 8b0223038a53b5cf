import { useState } from 'react';
import EditIcon from '@mui/icons-material/Edit';
import ReplayIcon from '@mui/icons-material/Replay';
import { Alert, Box, Button, Chip, Grid, Stack, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { FederationPolicy, Instance, InstanceFederation, Job } from '@hearth/contracts';
import { Labeled, useRefresh, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { GatedButton, GatedDialogButton } from '../accounts/GatedButton';
import { ReasonDialog } from '../common/ReasonDialog';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { INSTANCE_STATUS_LOOK } from '../instances/instanceStatus';
import { JobFollower } from '../jobs/JobFollower';
import { Loaded } from '../moderation/Loaded';
import { federationApi, federationKeys } from './federationApi';
import { FederationDialog } from './FederationDialog';
import { MODE_TEXT, STATUS_LOOK, isFederationReadable, usePolicySummary } from './modes';

const CLOSED: FederationPolicy = { mode: 'closed', domains: [] };

/** A policy's mode and, for a list, its domains. */
function PolicyFact({ label, policy, testId }: { label: string; policy: FederationPolicy | null; testId: string }) {
  const translate = useTranslate();
  return (
    <Labeled label={label}>
      <Box data-testid={testId}>
        <Typography variant="body2">{translate(policy ? MODE_TEXT[policy.mode].label : 'hearth.federation.no_mode')}</Typography>
        {policy && policy.domains.length > 0 && (
          <Box
            component="ul"
            aria-label={translate('hearth.federation.domains_of', { label: translate(label) })}
            sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, listStyle: 'none', m: 0, mt: 0.5, p: 0 }}
          >
            {policy.domains.map((domain) => (
              <li key={domain}>
                <Chip size="small" variant="outlined" label={domain} sx={{ fontFamily: 'monospace' }} />
              </li>
            ))}
          </Box>
        )}
      </Box>
    </Labeled>
  );
}

/** Sends the wanted policy once more: the job rewrites the config and restarts, which repairs drift. */
function ApplyAgain({ instance, federation, disabled, onStarted }: { instance: Instance; federation: InstanceFederation; disabled: boolean; onStarted: (jobId: string) => void }) {
  const summary = usePolicySummary();
  const { pending, run } = useRequest();
  const [open, setOpen] = useState(false);
  const { mode, domains } = federation.wanted;
  return (
    <>
      <GatedButton label="hearth.federation.apply_again.button" icon={<ReplayIcon />} variant="contained" onClick={() => setOpen(true)} disabled={disabled} />
      <ReasonDialog
        open={open}
        onClose={() => setOpen(false)}
        title="hearth.federation.apply_again.title"
        content="hearth.federation.apply_again.content"
        submitLabel="hearth.federation.apply_again.submit"
        messageArgs={{ name: instance.name, policy: summary(federation.wanted) }}
        pending={pending}
        onConfirm={({ reason }) =>
          run(
            () => federationApi.set(instance.id, { mode, domains, reason: reason || undefined }),
            ({ jobId }) => {
              setOpen(false);
              onStarted(jobId);
            },
          )
        }
      />
    </>
  );
}

interface PolicyProps {
  instance: Instance;
  federation: InstanceFederation;
  /** A change started here is still running: no other may start meanwhile. */
  busy: boolean;
  onStarted: (jobId: string) => void;
}

/** What Hearth was asked for beside what the server does, how they compare, and (for admins) the ways to change it. */
function Policy({ instance, federation, busy, onStarted }: PolicyProps) {
  const translate = useTranslate();
  const mayManage = useCan('instances.manage');
  const look = STATUS_LOOK[federation.status];
  const readBack = federation.status !== 'unsupported';
  return (
    <Stack spacing={2}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <Chip label={translate(look.label)} color={look.colour} data-testid="federation-status" />
        <Typography variant="body2">{translate(look.explanation)}</Typography>
      </Box>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 6 }}>
          <PolicyFact label="hearth.federation.wanted" policy={federation.wanted} testId="federation-wanted" />
        </Grid>
        {readBack && (
          <Grid size={{ xs: 12, sm: 6 }}>
            <PolicyFact label="hearth.federation.effective" policy={federation.effective} testId="federation-effective" />
          </Grid>
        )}
        {federation.listener && (
          <Grid size={12}>
            <Labeled label="hearth.federation.listener">
              <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
                {federation.listener}
              </Typography>
            </Labeled>
          </Grid>
        )}
      </Grid>
      <Typography variant="body2" color="text.secondary" data-testid="federation-detail" sx={{ wordBreak: 'break-word' }}>
        {readBack ? translate('hearth.federation.detail', { detail: federation.detail }) : federation.detail}
      </Typography>
      {mayManage && readBack && (
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {federation.status === 'drift' && <ApplyAgain instance={instance} federation={federation} disabled={busy} onStarted={onStarted} />}
          <GatedDialogButton
            label="hearth.federation.change"
            icon={<EditIcon />}
            variant="outlined"
            disabled={busy}
            unsupported={federation.modes.length === 0 ? translate('hearth.federation.unsupported.none') : undefined}
            dialog={(close) => (
              <FederationDialog
                instance={instance}
                federation={federation}
                onClose={close}
                onStarted={(jobId) => {
                  close();
                  onStarted(jobId);
                }}
              />
            )}
          />
        </Box>
      )}
    </Stack>
  );
}

/** A server that does not run can't be read back (nor changed): what Hearth was asked for, and why. */
function NotRunning({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const status = translate(instance.desiredState === 'stopped' ? INSTANCE_STATUS_LOOK.stopped.label : INSTANCE_STATUS_LOOK[instance.status].label);
  return (
    <Stack spacing={2}>
      <Alert severity="info">{translate('hearth.federation.not_running', { name: instance.name, status: status.toLowerCase() })}</Alert>
      <PolicyFact label="hearth.federation.wanted" policy={instance.settings.federation ?? CLOSED} testId="federation-wanted" />
    </Stack>
  );
}

/** After a failed change: the job undid it, unless even the previous configuration did not come up. */
function Undone({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  return instance.status === 'failed' ? (
    <Alert severity="error" sx={{ mt: 1 }}>
      {translate('hearth.federation.undo_failed', { name: instance.name })}
    </Alert>
  ) : (
    <Alert severity="warning" sx={{ mt: 1 }}>
      {translate('hearth.federation.undone', { name: instance.name })}
    </Alert>
  );
}

/**
 * The instance's federation policy: for everyone who may see the instance, what was asked for and
 * what the server does; for admins, changing it and repairing drift, each a job followed here.
 */
export function FederationSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const readable = isFederationReadable(instance);
  const query = useQuery({
    queryKey: federationKeys.of(instance.id, instance.status),
    queryFn: ({ signal }) => federationApi.get(instance.id, signal),
    enabled: readable,
  });
  const [jobId, setJobId] = useState<string>();
  const [finished, setFinished] = useState<Job>();
  const busy = jobId !== undefined && finished === undefined;

  const started = (id: string) => {
    setFinished(undefined);
    setJobId(id);
  };
  const onFinished = (job: Job) => {
    setFinished(job);
    void queryClient.invalidateQueries({ queryKey: federationKeys.instance(instance.id) });
    refresh();
  };

  return (
    <Section title="hearth.federation.title">
      <Stack spacing={2}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.federation.intro')}
        </Typography>
        {jobId && (
          <Box>
            <JobFollower jobId={jobId} title="hearth.federation.job" titleArgs={{ name: instance.name }} onFinished={onFinished} />
            {finished && finished.status !== 'succeeded' && <Undone instance={instance} />}
            {finished && (
              <Button onClick={() => setJobId(undefined)} sx={{ mt: 1 }}>
                {translate('hearth.instances.operation.dismiss')}
              </Button>
            )}
          </Box>
        )}
        {readable ? (
          <Loaded query={query}>{(federation) => <Policy instance={instance} federation={federation} busy={busy} onStarted={started} />}</Loaded>
        ) : (
          <NotRunning instance={instance} />
        )}
      </Stack>
    </Section>
  );
}
