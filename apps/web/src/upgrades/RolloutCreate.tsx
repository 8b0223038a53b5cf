import { type FormEvent, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Card,
  CardActions,
  CardContent,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  MenuItem,
  Skeleton,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { type UseQueryResult, useQueries, useQueryClient } from '@tanstack/react-query';
import type { BackupRecipient, BackupTarget, Instance, InstanceVersions } from '@hearth/contracts';
import { Link, Loading, Title, useGetList, useNotify, useRedirect, useRequireAccess, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { PROGRAM } from '../accounts/accountSupport';
import { RecipientChoice } from '../backups/instance/RecipientChoice';
import { TargetChoice } from '../backups/instance/TargetChoice';
import { useFormRequest } from '../common/useRequest';
import { RequestFailed } from '../moderation/Loaded';
import { type RolloutDraft, checkRollout, emptyWindow, kindsOf, planFor, rolloutRequest, serversOf, versionChoices } from './rolloutDraft';
import { rolloutKeys, rolloutsApi } from './rolloutsApi';
import { UpgradeBackupSetup, onlyOne, useUpgradeBackup } from './upgradeBackup';
import { isUnsupported, upgradesApi, upgradesKeys } from './upgradesApi';
import { WindowFields } from './WindowFields';

/** The most instances one Hearth is expected to run, and what the API answers in one page. */
const ALL = 500;

/** Fields the form shows messages under; the API's refusal of any other goes above it. */
const FIELDS = new Set(['kind', 'to', 'instanceIds', 'targetId', 'recipientIds', 'window.start', 'window.end', 'window.timezone', 'window.days', 'reason']);

type Translate = ReturnType<typeof useTranslate>;

/** What the rollout would do to one server, in words: from which version to which, or why it is left out. */
function serverPlanText(instance: Instance, query: UseQueryResult<InstanceVersions>, to: string, translate: Translate): { text: string; warning?: string } {
  if (query.isPending) return { text: translate('hearth.rollouts.form.reading') };
  if (query.isError) {
    const message = query.error instanceof Error ? query.error.message : 'ra.notification.http_error';
    return { text: translate(message, { _: message }), warning: isUnsupported(query.error) ? undefined : message };
  }
  const versions = query.data;
  if (!to) return { text: translate('hearth.rollouts.form.runs', { version: versions.current.version ?? versions.current.id }) };
  const plan = planFor(versions, to);
  if (plan.outcome === 'missing') return { text: translate('hearth.rollouts.form.missing', { to }) };
  if (plan.outcome === 'current') return { text: translate('hearth.rollouts.form.current', { version: plan.version }) };
  const text = translate('hearth.rollouts.form.moves', { from: plan.from, to: plan.to });
  return instance.status === 'running' ? { text } : { text, warning: translate('hearth.rollouts.form.not_running', { name: instance.name }) };
}

interface RolloutFormProps {
  instances: Instance[];
  targets: BackupTarget[];
  recipients: BackupRecipient[];
}

/** The rollout: which program and servers, to what, where each backup goes, and when. */
function RolloutForm({ instances, targets, recipients }: RolloutFormProps) {
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const queryClient = useQueryClient();
  const kinds = kindsOf(instances);
  const [draft, setDraft] = useState<RolloutDraft>(() => {
    const kind = kinds.length === 1 ? kinds[0] : '';
    return {
      kind,
      to: '',
      instanceIds: serversOf(instances, kind).map((instance) => instance.id),
      targetId: onlyOne(targets)[0] ?? '',
      recipientIds: onlyOne(recipients),
      window: emptyWindow(),
      reason: '',
    };
  });
  const { pending, errors, problem, submit } = useFormRequest();
  const servers = serversOf(instances, draft.kind);
  const serverIds = servers.map((instance) => instance.id);
  // The same queries as each server's Version card: what it runs and what it can move to.
  const versions = useQueries({
    queries: servers.map((instance) => ({
      queryKey: upgradesKeys.of(instance.id, instance.status, instance.version),
      queryFn: ({ signal }: { signal: AbortSignal }) => upgradesApi.versions(instance.id, signal),
      retry: (count: number, error: Error) => !isUnsupported(error) && count < 2,
    })),
  });
  const choices = versionChoices(versions.flatMap((query) => (query.data ? [query.data] : [])));
  const reading = versions.some((query) => query.isPending);
  const plans = servers.map((instance, index) => ({ instance, ...serverPlanText(instance, versions[index], draft.to, translate) }));
  const moving = draft.to
    ? servers.filter((instance, index) => draft.instanceIds.includes(instance.id) && versions[index].data && planFor(versions[index].data, draft.to).outcome === 'moves')
    : [];
  const set = (changes: Partial<RolloutDraft>) => setDraft((current) => ({ ...current, ...changes }));
  const otherErrors = Object.entries(errors).filter(([field]) => !FIELDS.has(field));

  const chooseKind = (kind: RolloutDraft['kind']) => set({ kind, to: '', instanceIds: serversOf(instances, kind).map((instance) => instance.id) });
  const toggleServer = (id: string, checked: boolean) =>
    set({ instanceIds: checked ? [...draft.instanceIds, id] : draft.instanceIds.filter((chosen) => chosen !== id) });

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const found = Object.fromEntries(Object.entries(checkRollout(draft, serverIds)).map(([field, key]) => [field, translate(key, { _: key })]));
    void submit(
      found,
      () => rolloutsApi.create(rolloutRequest(draft, serverIds)),
      (created) => {
        void queryClient.invalidateQueries({ queryKey: rolloutKeys.list() });
        notify('hearth.rollouts.create.started', { type: 'info' });
        redirect('show', 'upgrade-rollouts', created.id);
      },
    );
  };

  if (kinds.length === 0) {
    return (
      <Card>
        <CardContent>
          <Typography>{translate('hearth.rollouts.create.no_servers')}</Typography>
        </CardContent>
      </Card>
    );
  }

  return (
    <Card component="form" onSubmit={send} noValidate aria-label={translate('hearth.rollouts.create.title')}>
      <CardContent>
        <Stack spacing={3} sx={{ maxWidth: 640 }}>
          <Typography variant="body2" color="text.secondary">
            {translate('hearth.rollouts.intro')}
          </Typography>
          {(problem || otherErrors.length > 0) && <Alert severity="error">{problem ?? otherErrors.map(([, message]) => message).join(' ')}</Alert>}
          <TextField
            select
            label={translate('resources.upgrade-rollouts.fields.kind')}
            value={draft.kind}
            onChange={(event) => chooseKind(event.target.value as RolloutDraft['kind'])}
            required
            error={Boolean(errors.kind)}
            helperText={errors.kind}
          >
            {kinds.map((kind) => (
              <MenuItem key={kind} value={kind}>
                {translate(PROGRAM[kind])}
              </MenuItem>
            ))}
          </TextField>
          {draft.kind && (
            <>
              <TextField
                select
                label={translate('resources.upgrade-rollouts.fields.to')}
                value={choices.some((choice) => choice.value === draft.to) ? draft.to : ''}
                onChange={(event) => set({ to: event.target.value })}
                required
                disabled={choices.length === 0}
                error={Boolean(errors.to)}
                helperText={
                  errors.to ??
                  translate(reading ? 'hearth.rollouts.form.reading_versions' : choices.length === 0 ? 'hearth.rollouts.form.no_versions' : 'hearth.rollouts.form.to_help')
                }
              >
                {choices.map((choice) => (
                  <MenuItem key={choice.value} value={choice.value}>
                    {choice.versions.length > 0 ? translate('hearth.rollouts.form.choice', { suite: choice.value, versions: choice.versions.join(', ') }) : choice.value}
                  </MenuItem>
                ))}
              </TextField>
              <FormControl component="fieldset" error={Boolean(errors.instanceIds)}>
                <FormLabel component="legend">{translate('hearth.rollouts.form.servers')}</FormLabel>
                <FormGroup>
                  {plans.map(({ instance, text, warning }) => {
                    const describedBy = `rollout-server-${instance.id}-plan`;
                    return (
                      <Box key={instance.id} data-testid={`rollout-plan-${instance.name}`}>
                        <FormControlLabel
                          control={
                            <Checkbox
                              checked={draft.instanceIds.includes(instance.id)}
                              onChange={(event) => toggleServer(instance.id, event.target.checked)}
                              slotProps={{ input: { 'aria-describedby': describedBy } }}
                            />
                          }
                          label={instance.name}
                        />
                        <Typography id={describedBy} variant="body2" color={warning ? 'warning.main' : 'text.secondary'} sx={{ pl: 4, mt: -0.5 }}>
                          {[text, warning].filter(Boolean).join(' ')}
                        </Typography>
                      </Box>
                    );
                  })}
                </FormGroup>
                <FormHelperText>{errors.instanceIds ?? translate('hearth.rollouts.form.servers_help')}</FormHelperText>
              </FormControl>
              {draft.to && !reading && moving.length === 0 && (
                <Alert severity="warning" role="note">
                  {translate('hearth.rollouts.form.none_moves', { to: draft.to })}
                </Alert>
              )}
            </>
          )}
          {targets.length === 0 || recipients.length === 0 ? (
            <UpgradeBackupSetup targets={targets} recipients={recipients} />
          ) : (
            <>
              <TargetChoice targets={targets} value={draft.targetId} onChange={(targetId) => set({ targetId })} error={errors.targetId} />
              <RecipientChoice recipients={recipients} value={draft.recipientIds} onChange={(recipientIds) => set({ recipientIds })} error={errors.recipientIds} />
            </>
          )}
          <WindowFields value={draft.window} onChange={(window) => set({ window })} errors={errors} />
          <TextField
            label={translate('hearth.common.reason')}
            value={draft.reason}
            onChange={(event) => set({ reason: event.target.value })}
            multiline
            error={Boolean(errors.reason)}
            helperText={errors.reason}
            slotProps={{ htmlInput: { maxLength: 500 } }}
          />
        </Stack>
      </CardContent>
      <CardActions sx={{ px: 2, pb: 2 }}>
        <Button type="submit" variant="contained" disabled={pending || targets.length === 0 || recipients.length === 0}>
          {translate('hearth.rollouts.create.submit')}
        </Button>
        <Button component={Link} to="/upgrade-rollouts">
          {translate('ra.action.cancel')}
        </Button>
      </CardActions>
    </Card>
  );
}

/** A new rollout, for admins: the servers it takes are read first, with the backup targets and keys. */
export default function RolloutCreate() {
  const { isPending: isCheckingAccess } = useRequireAccess({ resource: 'upgrade-rollouts', action: 'create' });
  const mayBackUp = useCan('backups.read');
  const instances = useGetList<Instance>(
    'instances',
    { pagination: { page: 1, perPage: ALL }, sort: { field: 'name', order: 'ASC' } },
    { enabled: !isCheckingAccess },
  );
  const backup = useUpgradeBackup(!isCheckingAccess && mayBackUp);
  if (isCheckingAccess) return <Loading />;
  const error = instances.error ?? backup.error;
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="hearth.rollouts.create.title" />
      {error ? (
        <RequestFailed error={error} />
      ) : instances.data && backup.loaded ? (
        <RolloutForm instances={instances.data} targets={backup.targets} recipients={backup.recipients} />
      ) : (
        <Skeleton variant="rectangular" height={320} />
      )}
    </Stack>
  );
}
