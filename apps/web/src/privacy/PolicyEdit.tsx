import { useState } from 'react';
import { Alert, Stack, TextField } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { RetentionPolicy } from '@hearth/contracts';
import { Loading, Title, useNotify, useRequireAccess, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { useFormRequest } from '../common/useRequest';
import { Loaded } from '../moderation/Loaded';
import { AppliedJobs } from './AppliedJobs';
import { type PolicyDraft, changedKnobs, checkKnobs, draftOf, knobsOf } from './knobs';
import { PolicyForm } from './PolicyForm';
import { type PolicyUpdated, retentionApi, retentionKeys } from './retentionApi';

function EditForm({ policy, onSaved }: { policy: RetentionPolicy; onSaved: (result: PolicyUpdated) => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [draft, setDraft] = useState<PolicyDraft>({ name: policy.name, description: policy.description, knobs: draftOf(policy.knobs) });
  const [reason, setReason] = useState('');
  const { pending, errors, problem, submit } = useFormRequest({ 'retention_policy/name_taken': 'name' });
  const knobs = knobsOf(draft.knobs);
  const changed = changedKnobs(policy.knobs, knobs);
  const reapplies = Object.keys(changed).length > 0 && policy.instanceIds.length > 0;

  const send = () => {
    const name = draft.name.trim();
    const description = draft.description.trim();
    // Only what changed: any knob sent applies the policy again to every server under it.
    const request = {
      ...(name !== policy.name ? { name } : {}),
      ...(description !== policy.description ? { description } : {}),
      ...(Object.keys(changed).length > 0 ? { knobs: changed } : {}),
    };
    if (Object.keys(request).length === 0) {
      notify('hearth.privacy.edit.unchanged', { type: 'info' });
      return;
    }
    const found = { ...checkKnobs(knobs, translate), ...(name ? {} : { name: translate('ra.validation.required') }) };
    void submit(found, () => retentionApi.update(policy.id, { ...request, reason: reason.trim() || undefined }), onSaved);
  };

  return (
    <PolicyForm
      label="hearth.privacy.edit.title"
      draft={draft}
      onChange={setDraft}
      errors={errors}
      problem={problem}
      pending={pending}
      submitLabel={reapplies ? 'hearth.privacy.edit.submit_apply' : 'ra.action.save'}
      onSubmit={send}
      cancelTo={`/retention-policies/${encodeURIComponent(policy.id)}/show`}
      descriptionHelp="hearth.privacy.form.description_help"
      consoleNote={translate(policy.console ? 'hearth.privacy.form.console_this' : 'hearth.privacy.form.console_other')}
      footer={
        <Stack spacing={2}>
          {reapplies && (
            <Alert severity="warning" role="note" data-testid="policy-reapply">
              {translate('hearth.privacy.edit.reapply', { smart_count: policy.instanceIds.length })}
            </Alert>
          )}
          <TextField label={translate('hearth.common.reason')} value={reason} onChange={(event) => setReason(event.target.value)} multiline slotProps={{ htmlInput: { maxLength: 500 } }} />
        </Stack>
      }
    />
  );
}

/**
 * Changing a policy. Only the knobs that changed are sent, and the API applies them again to every
 * server under the policy (a job each), which this page then lists, each with its job.
 */
export default function PolicyEdit() {
  const { isPending: isCheckingAccess } = useRequireAccess({ resource: 'retention-policies', action: 'edit' });
  const translate = useTranslate();
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const policy = useQuery({ queryKey: retentionKeys.policy(id), queryFn: ({ signal }) => retentionApi.policy(id, signal), enabled: !isCheckingAccess });
  const [result, setResult] = useState<PolicyUpdated>();
  if (isCheckingAccess) return <Loading />;
  const saved = (updated: PolicyUpdated) => {
    setResult(updated);
    queryClient.setQueryData(retentionKeys.policy(id), updated.policy);
    void queryClient.invalidateQueries({ queryKey: retentionKeys.policies() });
    // Servers under it are being reconfigured: their reports will change.
    void queryClient.invalidateQueries({ queryKey: [...retentionKeys.all, 'report'] });
    window.scrollTo({ top: 0 });
  };
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 960 }}>
      <Title title={policy.data ? translate('hearth.privacy.edit.title_of', { name: policy.data.name }) : 'hearth.privacy.edit.title'} />
      {result && <AppliedJobs result={result} />}
      {/* Saved, the form starts again from what the API answered. */}
      <Loaded query={policy}>{(data) => <EditForm key={data.updatedAt} policy={data} onSaved={saved} />}</Loaded>
    </Stack>
  );
}
