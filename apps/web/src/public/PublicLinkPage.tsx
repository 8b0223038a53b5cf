import { type FormEvent, useEffect, useState } from 'react';
import { Alert, AlertTitle, Box, Button, Card, CardContent, LinearProgress, Stack, TextField, Typography } from '@mui/material';
import { RedeemLinkRequest } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import type { ApiErrorBody } from '../api/http';
import { USERNAME_RULES, accountAddress, protocolOf } from '../accounts/accountSupport';
import { formatDateTime } from '../common/dates';
import { formErrors } from '../common/formErrors';
import { PasswordField } from '../common/PasswordField';
import { ConnectionInstructions } from './ConnectionInstructions';
import { type ConnectionDetails, type LinkDescription, describeLink, redeemLink } from './links';
import type { LinkPurpose, PublicLinkPath } from './publicLink';

/** Why a link can't be used, each with its own words: the person can only ask for a new one. */
const REFUSED: Record<string, { title: string; text: string }> = {
  'link/not_found': { title: 'hearth.public.refused.not_found_title', text: 'hearth.public.refused.not_found' },
  'link/expired': { title: 'hearth.public.refused.expired_title', text: 'hearth.public.refused.expired' },
  'link/used_up': { title: 'hearth.public.refused.used_up_title', text: 'hearth.public.refused.used_up' },
};

/** Each purpose's words, written out so the catalogue test finds every key. */
const TEXT: Record<LinkPurpose, Record<'title' | 'generic_title' | 'done_title' | 'intro' | 'form' | 'submit' | 'done', string>> = {
  invite: {
    title: 'hearth.public.invite.title',
    generic_title: 'hearth.public.invite.generic_title',
    done_title: 'hearth.public.invite.done_title',
    intro: 'hearth.public.invite.intro',
    form: 'hearth.public.invite.form',
    submit: 'hearth.public.invite.submit',
    done: 'hearth.public.invite.done',
  },
  'set-password': {
    title: 'hearth.public.set_password.title',
    generic_title: 'hearth.public.set_password.generic_title',
    done_title: 'hearth.public.set_password.done_title',
    intro: 'hearth.public.set_password.intro',
    form: 'hearth.public.set_password.form',
    submit: 'hearth.public.set_password.submit',
    done: 'hearth.public.set_password.done',
  },
};

/** Refusals about the chosen user name, shown under it. */
const CODE_FIELDS = {
  'instance_user/invalid': 'username',
  'instance_user/exists': 'username',
  'link/username_fixed': 'username',
};

type Page =
  | { state: 'loading' }
  | { state: 'ready'; link: LinkDescription }
  | { state: 'done'; link: LinkDescription; connection: ConnectionDetails }
  | { state: 'refused'; code: string }
  | { state: 'failed'; problem: Problem };

/** A catalogue key (or the API's own words) and its arguments. */
type Problem = [message: string, args?: Record<string, unknown>];

/** The code of a refused link, or what else went wrong (throttled, unreachable). */
function failure(error: unknown): Page {
  const body = (error as { body?: ApiErrorBody }).body;
  if (body?.code && body.code in REFUSED) return { state: 'refused', code: body.code };
  return { state: 'failed', problem: problemOf(error) };
}

/** What went wrong, in words: how long to wait when throttled, Hearth unreachable when nothing answered. */
function problemOf(error: unknown): Problem {
  const { body, status } = error as { body?: ApiErrorBody; status?: number };
  if (body?.code === 'link/throttled') {
    return body.retryAfterSeconds === undefined ? ['hearth.public.throttled_later'] : ['hearth.public.throttled', { seconds: body.retryAfterSeconds }];
  }
  if (!status) return ['hearth.public.unreachable'];
  return [error instanceof Error ? error.message : 'ra.notification.http_error'];
}

/**
 * The page an invite or set-password link opens, without any login: choose a user name (unless the
 * link fixes it) and a password, then learn how to connect. Nothing is kept in the browser.
 */
export function PublicLinkPage({ link: { purpose, token } }: { link: PublicLinkPath }) {
  const translate = useTranslate();
  const [page, setPage] = useState<Page>({ state: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    describeLink(token, controller.signal).then(
      (link) => setPage({ state: 'ready', link }),
      (error) => {
        if (controller.signal.aborted) return;
        // A token of the wrong shape (a link cut short) is refused as a bad request: to its holder, an invalid link.
        setPage((error as { status?: number }).status === 400 ? { state: 'refused', code: 'link/not_found' } : failure(error));
      },
    );
    return () => controller.abort();
  }, [token]);

  // The API knows what the token is for; the address only suggests it.
  const known = page.state === 'ready' || page.state === 'done' ? page.link : undefined;
  const text = TEXT[known?.purpose ?? purpose];
  const heading = known
    ? translate(page.state === 'done' ? text.done_title : text.title, { server: known.serverName, domain: known.domain })
    : translate(text.generic_title);
  return (
    <Box component="main" sx={{ minHeight: '100vh', bgcolor: 'grey.100', display: 'flex', justifyContent: 'center', alignItems: 'flex-start', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 560, mt: { xs: 2, sm: 8 } }}>
        <CardContent>
          <Stack spacing={3}>
            <Typography variant="h4" component="h1">
              {heading}
            </Typography>
            {page.state === 'loading' && <LinearProgress aria-label={translate('ra.page.loading')} />}
            {page.state === 'refused' && (
              <Alert severity="warning">
                <AlertTitle>{translate(REFUSED[page.code].title)}</AlertTitle>
                {translate(REFUSED[page.code].text)}
              </Alert>
            )}
            {page.state === 'failed' && <Alert severity="error">{translate(...page.problem)}</Alert>}
            {page.state === 'ready' && (
              <RedeemForm token={token} link={page.link} onDone={(connection) => setPage({ state: 'done', link: page.link, connection })} onRefused={setPage} />
            )}
            {page.state === 'done' && (
              <>
                <Alert severity="success">{translate(text.done)}</Alert>
                <ConnectionInstructions connection={page.connection} />
              </>
            )}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}

interface RedeemFormProps {
  token: string;
  link: LinkDescription;
  onDone: (connection: ConnectionDetails) => void;
  /** The link stopped working meanwhile (used by someone else, expired). */
  onRefused: (page: Page) => void;
}

function RedeemForm({ token, link, onDone, onRefused }: RedeemFormProps) {
  const translate = useTranslate();
  const [username, setUsername] = useState(link.fixedUsername ?? '');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem>();
  const [pending, setPending] = useState(false);
  const text = TEXT[link.purpose];
  const fixed = link.fixedUsername !== null;
  const name = username.trim();
  const address = accountAddress(link.kind, name || translate('hearth.accounts.username_placeholder'), link.domain);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!name) found.username = 'hearth.accounts.username_required';
    if (!RedeemLinkRequest.shape.password.safeParse(password).success) found.password = 'hearth.accounts.password_rules';
    else if (repeat !== password) found.repeat = 'hearth.public.mismatch';
    setErrors(found);
    setProblem(undefined);
    if (Object.keys(found).length > 0) return;
    setPending(true);
    try {
      // A fixed name is the link's own: the API takes it from there.
      onDone(await redeemLink(token, { password, ...(fixed ? {} : { username: name }) }));
    } catch (error) {
      const refused = failure(error);
      if (refused.state === 'refused') return onRefused(refused);
      const { fields, problem: message } = formErrors(error, CODE_FIELDS);
      setErrors(fields);
      setProblem(message === undefined ? undefined : problemOf(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <Stack component="form" spacing={2} onSubmit={submit} noValidate aria-label={translate(text.form)}>
      <Typography>
        {translate(text.intro, {
          server: link.serverName,
          domain: link.domain,
          address,
        })}
      </Typography>
      <TextField
        label={translate('resources.instance-users.fields.username')}
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        required={!fixed}
        autoFocus={!fixed}
        autoComplete="username"
        error={Boolean(errors.username)}
        helperText={translate(errors.username ?? (fixed ? 'hearth.public.username_fixed' : USERNAME_RULES[protocolOf(link.kind)]), { address })}
        slotProps={{ htmlInput: { readOnly: fixed, spellCheck: false, autoCapitalize: 'none', maxLength: 255 } }}
      />
      <PasswordField
        label="hearth.public.password"
        help="hearth.accounts.password_help"
        error={errors.password}
        value={password}
        onChange={setPassword}
        autoFocus={fixed}
      />
      <PasswordField label="hearth.public.repeat" error={errors.repeat} value={repeat} onChange={setRepeat} />
      {problem && <Alert severity="error">{translate(...problem)}</Alert>}
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.public.expires', { expires: formatDateTime(link.expiresAt) })}
      </Typography>
      <Button type="submit" variant="contained" size="large" disabled={pending}>
        {translate(text.submit)}
      </Button>
    </Stack>
  );
}
