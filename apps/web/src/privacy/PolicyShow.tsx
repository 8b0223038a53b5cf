import { useState } from 'react';
import DeleteIcon from '@mui/icons-material/Delete';
import EditIcon from '@mui/icons-material/Edit';
import StarIcon from '@mui/icons-material/Star';
import { Box, Button, Card, CardContent, Chip, Grid, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { RetentionPolicy } from '@hearth/contracts';
import { Link, Title, useNotify, useRedirect, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { useCan } from '../access';
import { GatedButton } from '../accounts/GatedButton';
import { ReasonDialog } from '../common/ReasonDialog';
import { useNotifyError } from '../common/useNotifyError';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { Loaded } from '../moderation/Loaded';
import { KNOB_GROUPS, KNOB_TEXT } from './knobs';
import { retentionApi, retentionKeys, usePresetName } from './retentionApi';
import { useInstanceNames } from './useInstanceNames';
import { useKnobWords } from './words';

/** Makes Hearth's own records (audit log, health samples, job history, backups kept) follow this policy. */
function MakeConsoleButton({ policy, onDone }: { policy: RetentionPolicy; onDone: () => void }) {
  const notify = useNotify();
  const { pending, run } = useRequest();
  const [open, setOpen] = useState(false);
  return (
    <>
      <GatedButton label="hearth.privacy.console.button" icon={<StarIcon />} variant="outlined" onClick={() => setOpen(true)} />
      <ReasonDialog
        open={open}
        onClose={() => setOpen(false)}
        title="hearth.privacy.console.title"
        content="hearth.privacy.console.content"
        submitLabel="hearth.privacy.console.submit"
        messageArgs={{ name: policy.name }}
        pending={pending}
        onConfirm={({ reason }) =>
          run(
            () => retentionApi.update(policy.id, { console: true, reason: reason || undefined }),
            () => {
              setOpen(false);
              notify('hearth.privacy.console.done', { type: 'info', messageArgs: { name: policy.name } });
              onDone();
            },
          )
        }
      />
    </>
  );
}

/**
 * Deletes a policy nothing follows. One that servers or Hearth itself follow can't be deleted:
 * the button says why (and the API, should that have changed meanwhile, refuses in its words).
 */
function DeletePolicyButton({ policy, onDeleted }: { policy: RetentionPolicy; onDeleted: () => void }) {
  const translate = useTranslate();
  const notifyError = useNotifyError();
  const { pending, run } = useRequest();
  const [open, setOpen] = useState(false);
  const inUse = policy.instanceIds.length > 0
    ? translate('hearth.privacy.delete.in_use_instances', { smart_count: policy.instanceIds.length })
    : policy.console
      ? translate('hearth.privacy.delete.in_use_console')
      : undefined;
  return (
    <>
      <GatedButton label="ra.action.delete" icon={<DeleteIcon />} color="error" onClick={() => setOpen(true)} unsupported={inUse} />
      {inUse && (
        <Typography variant="body2" color="text.secondary" data-testid="policy-delete-reason">
          {inUse}
        </Typography>
      )}
      <ReasonDialog
        open={open}
        onClose={() => setOpen(false)}
        title="hearth.privacy.delete.title"
        content="hearth.privacy.delete.content"
        submitLabel="ra.action.delete"
        messageArgs={{ name: policy.name }}
        destructive
        pending={pending}
        onConfirm={() =>
          run(
            () => retentionApi.remove(policy.id),
            () => {
              setOpen(false);
              onDeleted();
            },
            (error) => {
              setOpen(false);
              notifyError(error);
            },
          )
        }
      />
    </>
  );
}

function Overview({ policy }: { policy: RetentionPolicy }) {
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const queryClient = useQueryClient();
  const mayManage = useCan('instances.manage');
  const nameOf = useInstanceNames();
  const presetName = usePresetName();
  const reload = () => queryClient.invalidateQueries({ queryKey: retentionKeys.policies() });
  return (
    <Card>
      <CardContent>
        <Stack spacing={2}>
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            {policy.preset && <Chip size="small" variant="outlined" label={translate('hearth.privacy.from_preset', { preset: presetName(policy.preset) })} />}
            {policy.console && <Chip size="small" color="primary" variant="outlined" label={translate('hearth.privacy.console_chip')} data-testid="policy-console" />}
          </Box>
          {policy.description && (
            <Typography variant="body2" sx={{ whiteSpace: 'pre-line' }}>
              {policy.description}
            </Typography>
          )}
          <Box>
            <Typography variant="subtitle2" component="h2">
              {translate('resources.retention-policies.fields.instanceIds')}
            </Typography>
            {policy.instanceIds.length === 0 ? (
              <Typography variant="body2" color="text.secondary">
                {translate('hearth.privacy.no_instances_help')}
              </Typography>
            ) : (
              <Box component="ul" sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, listStyle: 'none', m: 0, mt: 0.5, p: 0 }}>
                {policy.instanceIds.map((instanceId) => (
                  <li key={instanceId}>
                    <Link to={`/instances/${encodeURIComponent(instanceId)}/show`}>{nameOf(instanceId)}</Link>
                  </li>
                ))}
              </Box>
            )}
          </Box>
          {mayManage && (
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
              <Button component={Link} to={`/retention-policies/${encodeURIComponent(policy.id)}`} variant="contained" startIcon={<EditIcon />}>
                {translate('ra.action.edit')}
              </Button>
              {!policy.console && <MakeConsoleButton policy={policy} onDone={() => void reload()} />}
              <DeletePolicyButton
                policy={policy}
                onDeleted={() => {
                  notify('hearth.privacy.delete.done', { type: 'info', messageArgs: { name: policy.name } });
                  void reload();
                  redirect('list', 'retention-policies');
                }}
              />
            </Box>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}

/** Every knob of the policy in words, by what it is about. */
function Knobs({ policy }: { policy: RetentionPolicy }) {
  const translate = useTranslate();
  const words = useKnobWords();
  return (
    <Grid container spacing={2}>
      {KNOB_GROUPS.map((group) => (
        <Grid key={group.title} size={{ xs: 12, md: 6 }}>
          <Section title={group.title}>
            <Table size="small" aria-label={translate(group.title)}>
              <TableBody>
                {group.knobs.map((knob) => (
                  <TableRow key={knob} data-testid={`policy-knob-${knob}`}>
                    <TableCell component="th" scope="row" sx={{ width: '55%' }}>
                      {translate(KNOB_TEXT[knob].label)}
                    </TableCell>
                    <TableCell>{words(knob, policy.knobs)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Section>
        </Grid>
      ))}
    </Grid>
  );
}

/** A policy: what it keeps and for how long, the servers under it, and (for admins) changing it. */
export default function PolicyShow() {
  const translate = useTranslate();
  const { id = '' } = useParams();
  const policy = useQuery({ queryKey: retentionKeys.policy(id), queryFn: ({ signal }) => retentionApi.policy(id, signal) });
  return (
    <Stack spacing={2} sx={{ mt: 2 }}>
      <Title title={policy.data ? translate('hearth.privacy.show.title', { name: policy.data.name }) : 'hearth.privacy.policies.title'} />
      <Loaded query={policy}>
        {(data) => (
          <>
            <Overview policy={data} />
            <Knobs policy={data} />
          </>
        )}
      </Loaded>
    </Stack>
  );
}
