import { Alert, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import type { InstanceKindAvailability } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { type DraftSetting, type InstanceDraft, RUNTIME_TEXT, logLevelChoices, offersSetting, tlsModeChoices } from './draft';
import { isLoopback } from './instanceStatus';

interface ReviewStepProps {
  draft: InstanceDraft;
  kinds: InstanceKindAvailability[];
  /** Errors the API reported that belong to no earlier step, as [field, message]. */
  errors: [string, string][];
}

export function ReviewStep({ draft, kinds, errors }: ReviewStepProps) {
  const translate = useTranslate();
  const kind = kinds.find((candidate) => candidate.kind === draft.kind);
  const inContainer = draft.runtime === 'container';
  const serverDefault = translate('hearth.instances.wizard.server_default');
  const choiceName = (choices: { id: string; name: string }[], id: string) => {
    const choice = choices.find((candidate) => candidate.id === id);
    return choice ? translate(choice.name) : serverDefault;
  };
  // Each row: label, value, and the setting it shows (rows of settings the program lacks are left out).
  const rows: [string, string, DraftSetting?][] = [
    [
      'resources.instances.fields.kind',
      // The host's installed version; a container runs the version its image is built with.
      kind?.version && !inContainer ? `${kind.displayName} ${kind.version}` : (kind?.displayName ?? draft.kind),
    ],
    ['resources.instances.fields.domain', draft.domain.trim().toLowerCase()],
    ['resources.instances.fields.name', draft.name.trim()],
    ['resources.instances.fields.runtime', translate(RUNTIME_TEXT[draft.runtime].label)],
    ['resources.instances.fields.bindAddress', draft.bindAddress.trim()],
    ['resources.instances.fields.logLevel', choiceName(logLevelChoices, draft.logLevel), 'logLevel'],
    [
      'resources.instances.fields.messageRetentionDays',
      draft.messageRetentionDays.trim()
        ? translate('hearth.instances.days', { smart_count: Number(draft.messageRetentionDays) })
        : serverDefault,
      'messageRetentionDays',
    ],
    ['resources.instances.fields.tlsMode', choiceName(tlsModeChoices, draft.tlsMode), 'tlsMode'],
    [
      'resources.instances.fields.publicBaseUrl',
      draft.publicBaseUrl.trim() || translate('hearth.instances.wizard.public_base_url_default'),
      'publicBaseUrl',
    ],
    [
      'resources.instances.fields.healthIntervalSec',
      translate('hearth.instances.seconds', { smart_count: Number(draft.healthIntervalSec) }),
    ],
  ];
  return (
    <Stack spacing={2}>
      <Typography>{translate('hearth.instances.wizard.review_intro')}</Typography>
      <Table size="small" aria-label={translate('hearth.instances.wizard.step_review')}>
        <TableBody>
          {rows
            .filter(([, , setting]) => !setting || offersSetting(draft.kind, setting))
            .map(([label, value]) => (
              <TableRow key={label}>
                <TableCell component="th" scope="row" sx={{ width: '40%', fontWeight: 500 }}>
                  {translate(label)}
                </TableCell>
                <TableCell>{value}</TableCell>
              </TableRow>
            ))}
        </TableBody>
      </Table>
      {inContainer ? (
        <Alert severity="info" role="note">
          {translate('hearth.instances.wizard.container_first_build', { name: kind?.displayName ?? draft.kind })}
        </Alert>
      ) : (
        // What the host's program lacks or does on first use; a container brings its own.
        kind?.problems.map((problem) => (
          <Alert key={problem} severity="info" role="note">
            {problem}
          </Alert>
        ))
      )}
      {!isLoopback(draft.bindAddress) && (
        <Alert severity="warning">
          {translate('hearth.instances.wizard.bind_exposed', { address: draft.bindAddress.trim() })}
        </Alert>
      )}
      {errors.map(([field, message]) => (
        <Alert key={field} severity="error">
          {field === 'form' || field === '' ? translate(message) : `${field}: ${translate(message)}`}
        </Alert>
      ))}
    </Stack>
  );
}
