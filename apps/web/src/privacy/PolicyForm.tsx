import type { FormEvent, ReactNode } from 'react';
import { Alert, Box, Button, Card, CardActions, CardContent, Stack, TextField } from '@mui/material';
import { Link, useTranslate } from 'react-admin';
import { KnobsForm } from './KnobsForm';
import type { PolicyDraft } from './knobs';

interface PolicyFormProps {
  /** Catalogue key naming the form (for screen readers). */
  label: string;
  draft: PolicyDraft;
  onChange: (draft: PolicyDraft) => void;
  errors: Record<string, string>;
  problem?: string;
  pending: boolean;
  submitLabel: string;
  onSubmit: () => void;
  /** Where Cancel leads. */
  cancelTo: string;
  /** Whether Hearth's own records follow the policy (or will). */
  consoleNote: ReactNode;
  descriptionHelp: string;
  /** Above the submit button: a reason, what saving will do. */
  footer?: ReactNode;
}

/** A policy's name, description and knobs; the create and edit pages differ only around it. */
export function PolicyForm({ label, draft, onChange, errors, problem, pending, submitLabel, onSubmit, cancelTo, consoleNote, descriptionHelp, footer }: PolicyFormProps) {
  const translate = useTranslate();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pending) onSubmit();
  };
  // The API may name a list's item (knobs.trustedKeyServers.0): its message goes under the knob.
  const knobErrors = Object.fromEntries(
    Object.entries(errors)
      .filter(([path]) => path.startsWith('knobs.'))
      .map(([path, message]) => [path.split('.').slice(0, 2).join('.'), message]),
  );
  const fieldErrors = Object.entries(errors).filter(([path]) => path !== 'name' && path !== 'description' && !path.startsWith('knobs.'));
  return (
    <Card component="form" onSubmit={submit} noValidate aria-label={translate(label)}>
      <CardContent>
        <Stack spacing={3}>
          {(problem || fieldErrors.length > 0) && <Alert severity="error">{problem ?? fieldErrors.map(([, message]) => message).join(' ')}</Alert>}
          <Stack spacing={2} sx={{ maxWidth: 560 }}>
            <TextField
              label={translate('resources.retention-policies.fields.name')}
              value={draft.name}
              onChange={(event) => onChange({ ...draft, name: event.target.value })}
              required
              error={Boolean(errors.name)}
              helperText={errors.name ?? translate('hearth.privacy.form.name_help')}
              autoComplete="off"
              slotProps={{ htmlInput: { maxLength: 100 } }}
            />
            <TextField
              label={translate('resources.retention-policies.fields.description')}
              value={draft.description}
              onChange={(event) => onChange({ ...draft, description: event.target.value })}
              multiline
              minRows={2}
              error={Boolean(errors.description)}
              helperText={errors.description ?? translate(descriptionHelp)}
              slotProps={{ htmlInput: { maxLength: 2000 } }}
            />
          </Stack>
          <KnobsForm draft={draft.knobs} onChange={(knobs) => onChange({ ...draft, knobs })} errors={knobErrors} consoleNote={consoleNote} />
          {footer && <Box sx={{ maxWidth: 560 }}>{footer}</Box>}
        </Stack>
      </CardContent>
      <CardActions sx={{ px: 2, pb: 2 }}>
        <Button type="submit" variant="contained" disabled={pending}>
          {translate(submitLabel)}
        </Button>
        <Button component={Link} to={cancelTo}>
          {translate('ra.action.cancel')}
        </Button>
      </CardActions>
    </Card>
  );
}
