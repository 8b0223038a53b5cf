import { useState } from 'react';
import { Box, Card, CardContent, FormControl, FormControlLabel, FormLabel, Radio, RadioGroup, Stack, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { RetentionPolicy } from '@hearth/contracts';
import { Loading, Title, useNotify, useRedirect, useRequireAccess, useTranslate } from 'react-admin';
import { useFormRequest } from '../common/useRequest';
import { Loaded } from '../moderation/Loaded';
import { type PolicyDraft, checkKnobs, draftOf, knobsOf } from './knobs';
import { PolicyForm } from './PolicyForm';
import { type PolicyPresetInfo, retentionApi, retentionKeys } from './retentionApi';

/** The presets to start from, each with what choosing it means in plain words. */
function PresetChoice({ presets, value, onChange }: { presets: PolicyPresetInfo[]; value?: string; onChange: (preset: PolicyPresetInfo) => void }) {
  const translate = useTranslate();
  return (
    <FormControl component="fieldset" fullWidth>
      <FormLabel component="legend" sx={{ mb: 1 }}>
        {translate('hearth.privacy.create.preset')}
      </FormLabel>
      <RadioGroup value={value ?? ''} onChange={(event) => onChange(presets.find((preset) => preset.id === event.target.value)!)}>
        {presets.map((preset) => {
          const describedBy = `retention-preset-${preset.id}-about`;
          return (
            <Box key={preset.id} sx={{ py: 1, borderBottom: 1, borderColor: 'divider' }}>
              <FormControlLabel
                value={preset.id}
                control={<Radio slotProps={{ input: { 'aria-describedby': describedBy } }} />}
                label={
                  <Typography component="span" sx={{ fontWeight: 500 }}>
                    {preset.name}
                  </Typography>
                }
              />
              <Typography id={describedBy} variant="body2" color="text.secondary" sx={{ pl: 4 }}>
                {preset.explanation}
              </Typography>
            </Box>
          );
        })}
      </RadioGroup>
    </FormControl>
  );
}

/**
 * A new policy: first a preset, explained in plain words, whose knobs then fill the form to be
 * adjusted. Choosing another preset starts its knobs afresh; a name typed stays.
 */
export default function PolicyCreate() {
  const { isPending: isCheckingAccess } = useRequireAccess({ resource: 'retention-policies', action: 'create' });
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const queryClient = useQueryClient();
  const presets = useQuery({ queryKey: retentionKeys.presets(), queryFn: ({ signal }) => retentionApi.presets(signal), enabled: !isCheckingAccess });
  // Whether Hearth's own records will follow it: the first policy made becomes the console's.
  const policies = useQuery({ queryKey: retentionKeys.policies(), queryFn: ({ signal }) => retentionApi.policies(signal), enabled: !isCheckingAccess });
  const [preset, setPreset] = useState<PolicyPresetInfo>();
  const [draft, setDraft] = useState<PolicyDraft>();
  const [nameTyped, setNameTyped] = useState(false);
  const { pending, errors, problem, submit } = useFormRequest({ 'retention_policy/name_taken': 'name' });

  if (isCheckingAccess) return <Loading />;

  const choose = (chosen: PolicyPresetInfo) => {
    setPreset(chosen);
    setDraft((current) => ({
      name: current && nameTyped ? current.name : chosen.name,
      description: current?.description ?? '',
      knobs: draftOf(chosen.knobs),
    }));
  };

  const send = () => {
    if (!draft || !preset) return;
    const knobs = knobsOf(draft.knobs);
    const found = { ...checkKnobs(knobs, translate), ...(draft.name.trim() ? {} : { name: translate('ra.validation.required') }) };
    const request = { name: draft.name.trim(), description: draft.description.trim(), preset: preset.id, knobs };
    void submit(found, () => retentionApi.create(request), (created: RetentionPolicy) => {
      void queryClient.invalidateQueries({ queryKey: retentionKeys.policies() });
      notify('hearth.privacy.create.created', { type: 'info', messageArgs: { name: created.name } });
      redirect('show', 'retention-policies', created.id);
    });
  };

  const first = policies.data?.total === 0;
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="hearth.privacy.create.title" />
      <Card>
        <CardContent>
          <Stack spacing={2}>
            <Typography variant="body2" color="text.secondary">
              {translate('hearth.privacy.create.intro')}
            </Typography>
            <Loaded query={presets}>{({ data }) => <PresetChoice presets={data} value={preset?.id} onChange={choose} />}</Loaded>
          </Stack>
        </CardContent>
      </Card>
      {draft && preset && (
        <PolicyForm
          label="hearth.privacy.create.title"
          draft={draft}
          onChange={(next) => {
            if (next.name !== draft.name) setNameTyped(true);
            setDraft(next);
          }}
          errors={errors}
          problem={problem}
          pending={pending}
          submitLabel="hearth.privacy.create.submit"
          onSubmit={send}
          cancelTo="/retention-policies"
          descriptionHelp="hearth.privacy.form.description_help_preset"
          consoleNote={translate(first ? 'hearth.privacy.form.console_first' : 'hearth.privacy.form.console_other')}
        />
      )}
    </Stack>
  );
}
