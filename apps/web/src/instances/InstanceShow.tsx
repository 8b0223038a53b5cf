import { useRef, useState } from 'react';
import AddLinkIcon from '@mui/icons-material/AddLink';
import PeopleIcon from '@mui/icons-material/People';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  Grid,
  Stack,
  Table,
  TableBody,
  TextField,
  Typography,
} from '@mui/material';
import type { Instance, Job } from '@hearth/contracts';
import {
  DateField,
  Labeled,
  Link,
  SelectField,
  Show,
  TextField as RaTextField,
  useNotify,
  useRecordContext,
  useRedirect,
  useRefresh,
  useTranslate,
  useUpdate,
} from 'react-admin';
import { useCan } from '../access';
import { BackupsSection } from '../backups/instance/BackupsSection';
import { CopyableRow } from '../common/CopyableRow';
import { Section } from '../common/Section';
import { useNotifyError } from '../common/useNotifyError';
import { FederationSection } from '../federation/FederationSection';
import { JobFollower } from '../jobs/JobFollower';
import { ModerationSection } from '../moderation/ModerationSection';
import { PrivacySection } from '../privacy/instance/PrivacySection';
import { VersionSection } from '../upgrades/VersionSection';
import { EventsSection } from './EventsSection';
import { HealthSection } from './HealthSection';
import { InstanceActions, type InstanceOperation } from './InstanceActions';
import { InstanceStatusChip } from './InstanceStatusChip';
import { instanceKindChoices, isInstanceChanging } from './instanceStatus';
import { LogsSection } from './LogsSection';

/** While something happens to the instance its page is refreshed often; otherwise about once per health check. */
const CHANGING_POLL_MS = 2_000;
const POLL_MS = 15_000;

function pollInterval(instance: Instance | undefined): number {
  return Math.min(POLL_MS, Math.max(CHANGING_POLL_MS * 2.5, (instance?.healthIntervalSec ?? Infinity) * 1_000));
}

const OPERATION_TITLE: Record<InstanceOperation, string> = {
  start: 'hearth.instances.operation.start',
  stop: 'hearth.instances.operation.stop',
  restart: 'hearth.instances.operation.restart',
  'rotate-admin-token': 'hearth.instances.operation.rotate_token',
  destroy: 'hearth.instances.operation.destroy',
  forget: 'hearth.instances.operation.forget',
};

/** What a finished removal says; the instance is gone then, and the page leaves for the list. */
const REMOVED: Partial<Record<InstanceOperation, string>> = {
  destroy: 'hearth.instances.destroy.done',
  forget: 'hearth.instances.forget.done',
};

const REASON_SEVERITY: Partial<Record<Instance['status'], 'warning' | 'error'>> = {
  degraded: 'warning',
  down: 'error',
  failed: 'error',
};

interface Operation {
  name: InstanceOperation;
  jobId: string;
  finished: boolean;
}

function Endpoints({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const entries = Object.entries(instance.endpoints);
  if (entries.length === 0) {
    return <Typography>{translate(instance.managed ? 'hearth.instances.endpoints.none' : 'hearth.instances.endpoints.adopted')}</Typography>;
  }
  return (
    <Table size="small" aria-label={translate('hearth.instances.endpoints.title')}>
      <TableBody>
        {entries.map(([name, address]) => (
          <CopyableRow key={name} label={translate(`hearth.instances.endpoints.names.${name}`, { _: name })} value={address} />
        ))}
      </TableBody>
      <caption>{translate('hearth.instances.endpoints.note')}</caption>
    </Table>
  );
}

/** The health check interval, changeable in place by those who manage instances. */
function HealthInterval({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const notify = useNotify();
  const notifyError = useNotifyError();
  const mayManage = useCan('instances.manage');
  const [value, setValue] = useState(String(instance.healthIntervalSec));
  const [update, { isPending }] = useUpdate<Instance>();
  const seconds = Number(value);
  const valid = /^\d+$/.test(value) && seconds >= 5 && seconds <= 3600;
  if (!mayManage) {
    return (
      <Labeled label="resources.instances.fields.healthIntervalSec">
        <Typography variant="body2">{translate('hearth.instances.seconds', { smart_count: instance.healthIntervalSec })}</Typography>
      </Labeled>
    );
  }
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
      <TextField
        size="small"
        type="number"
        label={translate('resources.instances.fields.healthIntervalSec')}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        error={!valid}
        helperText={translate(valid ? 'hearth.instances.interval_help_short' : 'hearth.instances.wizard.interval_invalid')}
        slotProps={{ htmlInput: { min: 5, max: 3600, step: 1 } }}
      />
      <Button
        disabled={!valid || isPending || seconds === instance.healthIntervalSec}
        onClick={() =>
          update(
            'instances',
            { id: instance.id, data: { healthIntervalSec: seconds }, previousData: instance },
            {
              mutationMode: 'pessimistic',
              onSuccess: () => notify('hearth.instances.interval_saved', { type: 'info' }),
              onError: notifyError,
            },
          )
        }
        sx={{ mt: 0.5 }}
      >
        {translate('ra.action.save')}
      </Button>
    </Box>
  );
}

/** What Hearth can administer on the server (accounts, rooms…), as the API found it. */
function Capabilities({ capabilities }: { capabilities: string[] }) {
  const translate = useTranslate();
  if (capabilities.length === 0) return <Typography>{translate('hearth.instances.capabilities.none')}</Typography>;
  const labels = capabilities
    .map((capability) => translate(`hearth.instances.capabilities.names.${capability}`, { _: capability }))
    .sort((a, b) => a.localeCompare(b));
  return (
    <Stack spacing={1.5}>
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.instances.capabilities.intro')}
      </Typography>
      <Box
        component="ul"
        aria-label={translate('hearth.instances.capabilities.title')}
        sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, listStyle: 'none', m: 0, p: 0 }}
      >
        {labels.map((label) => (
          <li key={label}>
            <Chip size="small" variant="outlined" label={label} />
          </li>
        ))}
      </Box>
    </Stack>
  );
}

/** The way to the server's accounts and invites, for moderators, where Hearth can list its accounts. */
function Members({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const path = `/instances/${encodeURIComponent(instance.id)}`;
  return (
    <Section title="hearth.instances.members.title">
      <Stack spacing={1.5} sx={{ alignItems: 'flex-start' }}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.instances.members.intro')}
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          <Button component={Link} to={`${path}/users`} variant="outlined" startIcon={<PeopleIcon />}>
            {translate('hearth.instances.members.accounts')}
          </Button>
          <Button component={Link} to={`${path}/invites`} variant="outlined" startIcon={<AddLinkIcon />}>
            {translate('hearth.instances.members.invites')}
          </Button>
        </Box>
      </Stack>
    </Section>
  );
}

/** A monospace value with its label, for addresses. */
function Address({ label, value }: { label: string; value: string }) {
  return (
    <Labeled label={label}>
      <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
        {value}
      </Typography>
    </Labeled>
  );
}

function Overview({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  return (
    <Section title="hearth.instances.overview">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <InstanceStatusChip size="medium" />
        {!instance.managed && (
          <Chip label={translate('hearth.instances.adopted.chip')} color="secondary" variant="outlined" data-testid="instance-adopted" />
        )}
        {instance.desiredState === 'stopped' && isInstanceChanging(instance) && (
          <Typography variant="body2" color="text.secondary">
            {translate('hearth.instances.stopping')}
          </Typography>
        )}
      </Box>
      {!instance.managed && (
        <Alert severity="info" role="note" sx={{ mb: 2 }}>
          {translate('hearth.instances.adopted.explanation')}
        </Alert>
      )}
      {instance.statusReason && (
        <Alert
          severity={REASON_SEVERITY[instance.status] ?? 'info'}
          sx={{ mb: 2 }}
          data-testid="status-reason"
        >
          {instance.statusReason}
        </Alert>
      )}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Labeled source="kind">
            <SelectField source="kind" choices={instanceKindChoices} />
          </Labeled>
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Labeled source="version">
            <RaTextField source="version" emptyText="—" />
          </Labeled>
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Labeled source="domain">
            <RaTextField source="domain" />
          </Labeled>
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Labeled source="runtime">
            <Typography variant="body2">{translate(`hearth.instances.runtime.${instance.runtime}`, { _: instance.runtime })}</Typography>
          </Labeled>
        </Grid>
        {instance.managed && (
          <Grid size={{ xs: 12, sm: 6 }}>
            <Labeled source="bindAddress">
              <RaTextField source="bindAddress" sx={{ fontFamily: 'monospace' }} />
            </Labeled>
          </Grid>
        )}
        {instance.baseUrl && (
          <Grid size={{ xs: 12, sm: 6 }}>
            <Address label="resources.instances.fields.baseUrl" value={instance.baseUrl} />
          </Grid>
        )}
        {instance.settings.publicBaseUrl && (
          <Grid size={{ xs: 12, sm: 6 }}>
            <Address label="resources.instances.fields.publicBaseUrl" value={instance.settings.publicBaseUrl} />
          </Grid>
        )}
        {instance.managed && (
          <Grid size={{ xs: 12, sm: 6 }}>
            <Labeled source="startedAt">
              <DateField source="startedAt" showTime emptyText="—" />
            </Labeled>
          </Grid>
        )}
        <Grid size={{ xs: 12, sm: 6 }}>
          <Labeled source="createdAt">
            <DateField source="createdAt" showTime />
          </Labeled>
        </Grid>
        <Grid size={12}>
          <HealthInterval key={instance.healthIntervalSec} instance={instance} />
        </Grid>
      </Grid>
    </Section>
  );
}

function InstanceDetails({ operation, pollMs, onOperationFinished, onDismiss }: {
  operation?: Operation;
  pollMs: number;
  onOperationFinished: (job: Job) => void;
  onDismiss: () => void;
}) {
  const instance = useRecordContext<Instance>();
  const translate = useTranslate();
  const mayReadLogs = useCan('instances.logs');
  const mayReadMembers = useCan('instance-users.read');
  const mayReadBackups = useCan('backups.read');
  if (!instance) return null;
  return (
    <Grid container spacing={2} sx={{ mt: 1 }}>
      {operation && (
        <Grid size={12}>
          <Card>
            <CardContent>
              <JobFollower
                jobId={operation.jobId}
                title={OPERATION_TITLE[operation.name]}
                titleArgs={{ name: instance.name }}
                onFinished={onOperationFinished}
              />
              {operation.finished && !(operation.name in REMOVED) && (
                <Button onClick={onDismiss} sx={{ mt: 1 }}>
                  {translate('hearth.instances.operation.dismiss')}
                </Button>
              )}
            </CardContent>
          </Card>
        </Grid>
      )}
      <Grid size={{ xs: 12, lg: 6 }}>
        <Stack spacing={2}>
          <Overview instance={instance} />
          <VersionSection instance={instance} />
          <FederationSection instance={instance} />
          {mayReadBackups && <BackupsSection instance={instance} />}
        </Stack>
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }}>
        <Stack spacing={2}>
          <Section title="hearth.instances.endpoints.title">
            <Endpoints instance={instance} />
          </Section>
          {mayReadMembers && instance.capabilities.includes('users.list') && <Members instance={instance} />}
          <ModerationSection instance={instance} />
          <Section title="hearth.instances.capabilities.title">
            <Capabilities capabilities={instance.capabilities} />
          </Section>
        </Stack>
      </Grid>
      {/* Full width: the report's table has a line on what each knob reveals. */}
      <Grid size={12}>
        <PrivacySection instance={instance} />
      </Grid>
      <Grid size={12}>
        <HealthSection instance={instance} />
      </Grid>
      <Grid size={12}>
        <EventsSection instance={instance} pollMs={pollMs} />
      </Grid>
      {mayReadLogs && instance.managed && (
        <Grid size={12}>
          <LogsSection instance={instance} />
        </Grid>
      )}
    </Grid>
  );
}

export default function InstanceShow() {
  const notify = useNotify();
  const redirect = useRedirect();
  const refresh = useRefresh();
  const [operation, setOperation] = useState<Operation>();
  // The instance disappears at the end of a destroy; that is no error to report.
  const destroying = useRef(false);
  const operationRunning = operation !== undefined && !operation.finished;

  const onOperationFinished = (job: Job) => {
    if (!operation) return;
    setOperation({ ...operation, finished: true });
    const removed = REMOVED[operation.name];
    if (removed && job.status === 'succeeded') {
      notify(removed, { type: 'info' });
      redirect('list', 'instances');
      return;
    }
    destroying.current = false;
    refresh();
  };

  return (
    <Show
      component="div"
      emptyWhileLoading
      actions={
        <InstanceActions
          busy={operationRunning}
          onStarted={(name, jobId) => {
            destroying.current = name in REMOVED;
            setOperation({ name, jobId, finished: false });
          }}
        />
      }
      queryOptions={{
        refetchInterval: (query: { state: { data?: Instance } }) =>
          destroying.current
            ? false
            : operationRunning || isInstanceChanging(query.state.data)
              ? CHANGING_POLL_MS
              : pollInterval(query.state.data),
        onError: () => {
          if (destroying.current) return;
          notify('ra.notification.item_doesnt_exist', { type: 'error' });
          redirect('list', 'instances');
        },
      }}
    >
      <InstanceDetails
        operation={operation}
        pollMs={operationRunning ? CHANGING_POLL_MS : POLL_MS}
        onOperationFinished={onOperationFinished}
        onDismiss={() => setOperation(undefined)}
      />
    </Show>
  );
}
