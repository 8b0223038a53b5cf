import { useId, useState } from 'react';
import { Alert, Box, FormControl, FormControlLabel, FormLabel, Radio, RadioGroup, TextField, Tooltip, Typography } from '@mui/material';
import { type FederationMode, type Instance, type InstanceFederation, SetFederationRequest } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import type { z } from 'zod';
import { FormDialog } from '../common/FormDialog';
import { useFormRequest } from '../common/useRequest';
import { federationApi } from './federationApi';
import { type ListMode, MODES, MODE_TEXT, isListMode, useUnsupportedMode } from './modes';

type Translate = ReturnType<typeof useTranslate>;
type Request = z.input<typeof SetFederationRequest>;

/** What the listed domains do, for the two modes that have a list. */
const DOMAINS_HELP: Record<ListMode, string> = {
  allowlist: 'hearth.federation.dialog.domains_help_allowlist',
  denylist: 'hearth.federation.dialog.domains_help_denylist',
};

/** Domains as typed: one a line, though commas and spaces separate them too. */
function domainsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** The contract's checks, and the one it can't make (the server's own domain), in the words of the form. */
function check(request: Request, ownDomain: string, translate: Translate): Record<string, string> {
  const domains = request.domains ?? [];
  const parsed = SetFederationRequest.safeParse(request);
  const issues = parsed.success ? [] : parsed.error.issues.filter((issue) => issue.path[0] === 'domains');
  const invalid = [...new Set(issues.filter((issue) => typeof issue.path[1] === 'number').map((issue) => domains[issue.path[1] as number]))];
  const problems = [
    ...(invalid.length > 0 ? [translate('hearth.federation.dialog.domains_invalid', { smart_count: invalid.length, domains: invalid.join(', ') })] : []),
    ...(issues.some((issue) => issue.code === 'too_big') ? [translate('hearth.federation.dialog.domains_too_many')] : []),
    ...(domains.length === 0 && isListMode(request.mode) ? [translate('hearth.federation.dialog.domains_required')] : []),
    ...(domains.some((domain) => domain.toLowerCase() === ownDomain) ? [translate('hearth.federation.dialog.own_domain', { domain: ownDomain })] : []),
  ];
  return problems.length > 0 ? { domains: problems.join(' ') } : {};
}

/** A mode to choose, with who it lets reach the members; one the server can't enforce is disabled and says why. */
function ModeOption({ mode, unsupported }: { mode: FederationMode; unsupported?: string }) {
  const translate = useTranslate();
  const reasonId = useId();
  const option = (
    <FormControlLabel
      value={mode}
      disabled={unsupported !== undefined}
      control={<Radio slotProps={{ input: { 'aria-describedby': unsupported && reasonId } }} />}
      label={
        <Box sx={{ py: 0.5 }}>
          <Typography>{translate(MODE_TEXT[mode].label)}</Typography>
          <Typography variant="body2" color="text.secondary">
            {translate(MODE_TEXT[mode].explanation)}
          </Typography>
        </Box>
      }
    />
  );
  if (unsupported === undefined) return option;
  // A disabled radio gets no pointer events: the tooltip hangs on a wrapper that does.
  return (
    <Tooltip title={unsupported} describeChild placement="bottom-start">
      <Box data-testid={`federation-mode-${mode}`}>
        {option}
        <span id={reasonId} hidden>
          {unsupported}
        </span>
      </Box>
    </Tooltip>
  );
}

interface FederationDialogProps {
  instance: Instance;
  federation: InstanceFederation;
  onClose: () => void;
  onStarted: (jobId: string) => void;
}

/** Chooses the policy: a mode the server can enforce, the domains of a list, a reason for the audit log. */
export function FederationDialog({ instance, federation, onClose, onStarted }: FederationDialogProps) {
  const translate = useTranslate();
  const unsupported = useUnsupportedMode(instance, federation.modes);
  const [mode, setMode] = useState(federation.wanted.mode);
  const [domains, setDomains] = useState(federation.wanted.domains.join('\n'));
  const [reason, setReason] = useState('');
  const { pending, errors, problem, submit } = useFormRequest();
  const lists = isListMode(mode);
  const domainErrors = Object.entries(errors).filter(([field]) => field === 'domains' || field.startsWith('domains.'));
  const otherErrors = Object.entries(errors).filter(([field]) => !field.startsWith('domains'));
  const args = { name: instance.name, domain: instance.domain };

  const send = () => {
    const request: Request = { mode, domains: lists ? domainsOf(domains) : [], reason: reason.trim() || undefined };
    void submit(check(request, instance.domain, translate), () => federationApi.set(instance.id, request), ({ jobId }) => onStarted(jobId));
  };

  return (
    <FormDialog onClose={onClose} title="hearth.federation.dialog.title" submitLabel="hearth.federation.dialog.submit" messageArgs={args} disabled={pending} onSubmit={send}>
      <Typography variant="body2">{translate('hearth.federation.dialog.intro', args)}</Typography>
      {(problem || otherErrors.length > 0) && <Alert severity="error">{problem ?? otherErrors.map(([, message]) => message).join(' ')}</Alert>}
      <FormControl component="fieldset">
        <FormLabel component="legend">{translate('hearth.federation.dialog.who')}</FormLabel>
        <RadioGroup value={mode} onChange={(event) => setMode(event.target.value as FederationMode)}>
          {MODES.map((option) => (
            <ModeOption key={option} mode={option} unsupported={unsupported(option)} />
          ))}
        </RadioGroup>
      </FormControl>
      {lists && (
        <TextField
          label={translate('hearth.federation.dialog.domains')}
          value={domains}
          onChange={(event) => setDomains(event.target.value)}
          multiline
          minRows={3}
          error={domainErrors.length > 0}
          helperText={domainErrors.length > 0 ? domainErrors.map(([, message]) => message).join(' ') : translate(DOMAINS_HELP[mode], args)}
          slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none' } }}
        />
      )}
      {mode !== 'closed' && (
        <Alert severity="info" role="note">
          {translate('hearth.federation.dialog.privacy')}
        </Alert>
      )}
      <TextField label={translate('hearth.common.reason')} value={reason} onChange={(event) => setReason(event.target.value)} multiline slotProps={{ htmlInput: { maxLength: 500 } }} />
    </FormDialog>
  );
}
