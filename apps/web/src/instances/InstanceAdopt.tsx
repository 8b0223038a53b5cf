import { type FormEvent, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Card,
  CardActions,
  CardContent,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  Stack,
  Typography,
} from '@mui/material';
import { AdoptInstanceRequest, InstanceName } from '@hearth/contracts';
import { Loading, Title, useDataProvider, useNotify, useRedirect, useRequireAccess, useTranslate } from 'react-admin';
import type { ApiErrorBody } from '../api/http';
import type { HearthDataProvider } from '../dataProvider';
import { type FieldErrors, wholeNumberIn } from './draft';
import { HealthIntervalInput, NameInput, TextInput, useHelp } from './inputs';

type Credential = 'accessToken' | 'sharedSecret';

interface AdoptDraft {
  name: string;
  baseUrl: string;
  credential: Credential;
  /** The access token or the shared secret, whichever `credential` says. */
  secret: string;
  healthIntervalSec: string;
}

const EMPTY: AdoptDraft = { name: '', baseUrl: '', credential: 'accessToken', secret: '', healthIntervalSec: '30' };

/** The field each refusal of the API concerns, by its code; its detail is shown under that field. */
const CODE_FIELDS: Record<string, keyof AdoptDraft> = {
  'instance/name_taken': 'name',
  'instance/domain_taken': 'baseUrl',
  'instance/adopt_unreachable': 'baseUrl',
  'instance/adopt_not_synapse': 'baseUrl',
  'instance/adopt_not_admin': 'secret',
  'instance/adopt_credentials_rejected': 'secret',
};
/** The request's names for the credential, which the form asks for in one field. */
const CREDENTIAL_PATHS: Record<string, keyof AdoptDraft> = { accessToken: 'secret', sharedSecret: 'secret' };

const CREDENTIAL_TEXT: Record<Credential, { choice: string; label: string; help: string }> = {
  accessToken: {
    choice: 'hearth.instances.adopt.use_token',
    label: 'hearth.instances.adopt.token',
    help: 'hearth.instances.adopt.token_help',
  },
  sharedSecret: {
    choice: 'hearth.instances.adopt.use_secret',
    label: 'hearth.instances.adopt.secret',
    help: 'hearth.instances.adopt.secret_help',
  },
};

function validate(draft: AdoptDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (!InstanceName.safeParse(draft.name).success) errors.name = 'hearth.instances.wizard.name_invalid';
  if (!AdoptInstanceRequest.shape.baseUrl.safeParse(draft.baseUrl.trim()).success) errors.baseUrl = 'hearth.instances.url_invalid';
  if (!draft.secret.trim()) errors.secret = 'hearth.instances.adopt.secret_required';
  if (!wholeNumberIn(draft.healthIntervalSec, 5, 3600)) errors.healthIntervalSec = 'hearth.instances.wizard.interval_invalid';
  return errors;
}

/**
 * Adopting a Synapse that runs elsewhere. Not a react-admin form, and no react-query mutation:
 * both keep what was sent after the request, and the credential should live no longer than the
 * page; it is dropped sooner, once the server has accepted or refused it.
 */
export default function InstanceAdopt() {
  const { isPending: isCheckingAccess } = useRequireAccess({ resource: 'instances', action: 'create' });
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [draft, setDraft] = useState<AdoptDraft>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string>();
  const [pending, setPending] = useState(false);
  const help = useHelp(errors);

  if (isCheckingAccess) return <Loading />;

  const update = (changes: Partial<AdoptDraft>) => {
    setDraft((current) => ({ ...current, ...changes }));
    setErrors((current) => Object.fromEntries(Object.entries(current).filter(([field]) => !(field in changes))));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validate(draft);
    setErrors(found);
    setProblem(undefined);
    if (Object.keys(found).length > 0) return;
    setPending(true);
    const name = draft.name.trim();
    try {
      const instance = await dataProvider.adoptInstance({
        name,
        kind: 'synapse',
        baseUrl: draft.baseUrl.trim(),
        [draft.credential]: draft.secret.trim(),
        healthIntervalSec: Number(draft.healthIntervalSec),
      });
      update({ secret: '' });
      notify('hearth.instances.adopt.done', { type: 'info', messageArgs: { name } });
      redirect('show', 'instances', instance.id);
    } catch (error) {
      const body = (error as { body?: ApiErrorBody }).body;
      const message = error instanceof Error ? error.message : 'ra.notification.http_error';
      const fromServer: FieldErrors = Object.fromEntries(
        Object.entries(body?.errors ?? {}).map(([path, text]) => [CREDENTIAL_PATHS[path] ?? path, text]),
      );
      const field = body?.code ? CODE_FIELDS[body.code] : undefined;
      if (field) fromServer[field] = message;
      else setProblem(message);
      // A refused credential is of no further use; one the server never checked may be sent again.
      if (field === 'secret') setDraft((current) => ({ ...current, secret: '' }));
      setErrors(fromServer);
    } finally {
      setPending(false);
    }
  };

  const credentialText = CREDENTIAL_TEXT[draft.credential];
  return (
    <Box sx={{ mt: 2, maxWidth: 880 }}>
      <Title title="hearth.instances.adopt.title" />
      <Card component="form" onSubmit={submit} noValidate aria-label={translate('hearth.instances.adopt.title')}>
        <CardContent>
          <Stack spacing={3}>
            <Typography>{translate('hearth.instances.adopt.intro')}</Typography>
            <TextInput
              path="baseUrl"
              label="resources.instances.fields.baseUrl"
              helpText="hearth.instances.adopt.base_url_help"
              help={help}
              value={draft.baseUrl}
              onChange={(baseUrl) => update({ baseUrl })}
              type="url"
              placeholder="https://matrix.family.example"
              autoFocus
              required
              monospace
            />
            <NameInput value={draft.name} onChange={(name) => update({ name })} help={help} />
            <FormControl>
              <FormLabel id="adopt-credential-label">{translate('hearth.instances.adopt.credential')}</FormLabel>
              <RadioGroup
                row
                aria-labelledby="adopt-credential-label"
                value={draft.credential}
                onChange={(event) => update({ credential: event.target.value as Credential, secret: '' })}
              >
                {(Object.keys(CREDENTIAL_TEXT) as Credential[]).map((credential) => (
                  <FormControlLabel
                    key={credential}
                    value={credential}
                    control={<Radio />}
                    label={translate(CREDENTIAL_TEXT[credential].choice)}
                  />
                ))}
              </RadioGroup>
            </FormControl>
            <TextInput
              // A new field for each choice, so nothing typed for one is sent as the other.
              key={draft.credential}
              path="secret"
              label={credentialText.label}
              helpText={credentialText.help}
              help={help}
              value={draft.secret}
              onChange={(secret) => update({ secret })}
              type="password"
              required
              maxLength={1000}
            />
            <HealthIntervalInput value={draft.healthIntervalSec} onChange={(healthIntervalSec) => update({ healthIntervalSec })} help={help} />
            {problem && (
              <Alert severity="error">
                {translate(problem)}
              </Alert>
            )}
          </Stack>
        </CardContent>
        <CardActions sx={{ justifyContent: 'space-between', px: 2, pb: 2 }}>
          <Button onClick={() => redirect('list', 'instances')}>{translate('ra.action.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={pending}>
            {translate('hearth.instances.adopt.submit')}
          </Button>
        </CardActions>
      </Card>
    </Box>
  );
}
