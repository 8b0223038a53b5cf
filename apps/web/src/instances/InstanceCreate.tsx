import { type FormEvent, useEffect, useState } from 'react';
import { Alert, Box, Button, Card, CardActions, CardContent, Step, StepLabel, Stepper } from '@mui/material';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Job } from '@hearth/contracts';
import { Loading, Title, useDataProvider, useNotify, useRedirect, useRequireAccess, useTranslate } from 'react-admin';
import type { ApiErrorBody } from '../api/http';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider, InstanceAccepted } from '../dataProvider';
import { JobFollower } from '../jobs/JobFollower';
import {
  EMPTY_DRAFT,
  type FieldErrors,
  type InstanceDraft,
  createRequest,
  defaultRuntime,
  kindSelectable,
  stepOfField,
  suggestName,
  validateStep,
} from './draft';
import { KindStep } from './KindStep';
import { NameStep, NetworkStep } from './WizardSteps';
import { ReviewStep } from './ReviewStep';

const STEPS = [
  'hearth.instances.wizard.step_kind',
  'hearth.instances.wizard.step_name',
  'hearth.instances.wizard.step_network',
  'hearth.instances.wizard.step_review',
] as const;
const REVIEW = STEPS.length - 1;

/** Conflicts the API reports with a code rather than a field path, and the field they concern. */
const CONFLICT_FIELDS: Record<string, string> = {
  'instance/name_taken': 'name',
  'instance/domain_taken': 'domain',
  'instance/kind_unavailable': 'kind',
  'instance/kind_unsupported': 'kind',
  'instance/runtime_unsupported': 'runtime',
  'instance/bind_address_unavailable': 'bindAddress',
  'instance/settings_invalid': 'settings',
  'instance/ports_exhausted': 'form',
};

interface Created extends InstanceAccepted {
  name: string;
}

/** Creating an instance, step by step, then following the provisioning job until it is up. */
export default function InstanceCreate() {
  const { isPending: isCheckingAccess } = useRequireAccess({ resource: 'instances', action: 'create' });
  const translate = useTranslate();
  const notify = useNotify();
  const notifyError = useNotifyError();
  const redirect = useRedirect();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<InstanceDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [nameEdited, setNameEdited] = useState(false);
  const [created, setCreated] = useState<Created>();
  const [failedJob, setFailedJob] = useState<Job>();

  const kinds = useQuery({
    queryKey: ['hearth', 'instance-kinds'],
    queryFn: ({ signal }) => dataProvider.getInstanceKinds(signal),
    enabled: !isCheckingAccess,
  });

  // With one program to run there is nothing to choose (its runtime is still a choice).
  useEffect(() => {
    const selectable = kinds.data?.filter(kindSelectable) ?? [];
    if (selectable.length === 1) {
      const only = selectable[0]!;
      setDraft((current) => (current.kind ? current : { ...current, kind: only.kind, runtime: defaultRuntime(only) }));
    }
  }, [kinds.data]);

  const create = useMutation({
    mutationFn: async () => {
      const { data } = await dataProvider.create('instances', { data: createRequest(draft) });
      return data as unknown as InstanceAccepted;
    },
    onSuccess: (accepted) => setCreated({ ...accepted, name: draft.name.trim() }),
    onError: (error: Error & { body?: ApiErrorBody }) => {
      const fromServer: FieldErrors = { ...error.body?.errors };
      const conflictField = error.body?.code ? CONFLICT_FIELDS[error.body.code] : undefined;
      if (conflictField) fromServer[conflictField] = error.message;
      // What the host can run changed since the list was read (a program removed, the engine gone).
      if (error.body?.code === 'instance/kind_unavailable' || error.body?.code === 'instance/runtime_unsupported') void kinds.refetch();
      const paths = Object.keys(fromServer);
      if (paths.length === 0) return notifyError(error);
      setErrors(fromServer);
      setStep(Math.min(REVIEW, ...paths.map(stepOfField)));
    },
  });

  if (isCheckingAccess) return <Loading />;

  const update = (changes: Partial<InstanceDraft>) => {
    setDraft((current) => {
      const next = { ...current, ...changes };
      if (changes.domain !== undefined && !nameEdited) next.name = suggestName(changes.domain);
      return next;
    });
    if (changes.name !== undefined) setNameEdited(true);
    const touched = Object.keys(changes).map((key) => (key === 'tlsMode' ? 'settings.tls' : key));
    setErrors((current) =>
      Object.fromEntries(
        Object.entries(current).filter(
          ([path]) => !touched.some((key) => path === key || path.endsWith(`.${key}`) || path.startsWith(`${key}.`)),
        ),
      ),
    );
  };

  const next = (event?: FormEvent) => {
    event?.preventDefault();
    if (step === REVIEW) return create.mutate();
    const stepErrors = validateStep(step, draft);
    if (Object.keys(stepErrors).length > 0) return setErrors(stepErrors);
    setStep(step + 1);
  };

  const stepHasError = (index: number) => Object.keys(errors).some((path) => stepOfField(path) === index);
  const onFinished = (job: Job) => {
    if (!created) return;
    if (job.status === 'succeeded') {
      notify('hearth.instances.wizard.created', { type: 'info', messageArgs: { name: created.name } });
      redirect('show', 'instances', created.id);
    } else {
      setFailedJob(job);
    }
  };

  return (
    <Box sx={{ mt: 2, maxWidth: 880 }}>
      <Title title="hearth.instances.wizard.title" />
      <Card component="form" onSubmit={next} noValidate aria-label={translate('hearth.instances.wizard.title')}>
        <CardContent>
          <Stepper activeStep={created ? STEPS.length : step} sx={{ mb: 3 }}>
            {STEPS.map((label, index) => (
              <Step key={label} completed={created ? true : undefined}>
                <StepLabel error={stepHasError(index)}>{translate(label)}</StepLabel>
              </Step>
            ))}
          </Stepper>
          {created ? (
            <>
              <JobFollower
                jobId={created.jobId}
                title="hearth.instances.wizard.provisioning"
                titleArgs={{ name: created.name }}
                onFinished={onFinished}
              />
              {failedJob && (
                <Alert severity="error" sx={{ mt: 2 }}>
                  {translate('hearth.instances.wizard.provisioning_failed')}
                </Alert>
              )}
            </>
          ) : (
            <>
              {step === 0 && (
                <KindStep
                  kinds={kinds.data}
                  isPending={kinds.isPending}
                  error={kinds.error}
                  onRetry={() => void kinds.refetch()}
                  value={draft.kind}
                  onChange={(kind) => update({ kind, runtime: defaultRuntime(kinds.data?.find((candidate) => candidate.kind === kind)) })}
                  fieldError={errors.kind && translate(errors.kind)}
                  runtime={draft.runtime}
                  onRuntimeChange={(runtime) => update({ runtime })}
                  runtimeError={errors.runtime && translate(errors.runtime)}
                />
              )}
              {step === 1 && <NameStep draft={draft} errors={errors} onChange={update} />}
              {step === 2 && <NetworkStep draft={draft} errors={errors} onChange={update} />}
              {step === REVIEW && (
                <ReviewStep draft={draft} kinds={kinds.data ?? []} errors={Object.entries(errors).filter(([p]) => stepOfField(p) === REVIEW)} />
              )}
            </>
          )}
        </CardContent>
        <CardActions sx={{ justifyContent: 'space-between', px: 2, pb: 2 }}>
          {created ? (
            <>
              <span />
              {failedJob && (
                <Button variant="contained" onClick={() => redirect('show', 'instances', created.id)}>
                  {translate('hearth.instances.wizard.open_instance')}
                </Button>
              )}
            </>
          ) : (
            <>
              <Button onClick={() => (step === 0 ? redirect('list', 'instances') : setStep(step - 1))}>
                {translate(step === 0 ? 'ra.action.cancel' : 'hearth.instances.wizard.back')}
              </Button>
              <Button
                type="submit"
                variant="contained"
                disabled={create.isPending || (step === 0 && !kinds.data?.some(kindSelectable))}
              >
                {translate(step === REVIEW ? 'hearth.instances.wizard.create' : 'hearth.instances.wizard.next')}
              </Button>
            </>
          )}
        </CardActions>
      </Card>
    </Box>
  );
}
