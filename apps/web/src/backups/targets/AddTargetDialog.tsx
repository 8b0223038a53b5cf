import { type ReactNode, useState } from 'react';
import { Alert, FormControl, FormControlLabel, FormHelperText, FormLabel, Radio, RadioGroup, Stack, Switch, TextField, Typography } from '@mui/material';
import { type BackupTarget, CreateBackupTargetRequest } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import type { z } from 'zod';
import { FormDialog } from '../../common/FormDialog';
import { PasswordField } from '../../common/PasswordField';
import { useFormRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';

type Request = z.input<typeof CreateBackupTargetRequest>;
type Kind = Request['kind'];
type Auth = 'password' | 'privateKey';

/** The form's fields, named by their path in the request so the API's refusals land under them. */
interface Fields {
  name: string;
  'config.path': string;
  'config.host': string;
  'config.port': string;
  'config.username': string;
  'config.hostKeySha256': string;
  'secrets.password': string;
  'secrets.privateKey': string;
  'secrets.passphrase': string;
  'config.endpoint': string;
  'config.region': string;
  'config.bucket': string;
  'config.prefix': string;
  'config.accessKeyId': string;
  'secrets.secretAccessKey': string;
}

const EMPTY: Fields = {
  name: '',
  'config.path': '',
  'config.host': '',
  'config.port': '22',
  'config.username': '',
  'config.hostKeySha256': '',
  'secrets.password': '',
  'secrets.privateKey': '',
  'secrets.passphrase': '',
  'config.endpoint': '',
  'config.region': 'us-east-1',
  'config.bucket': '',
  'config.prefix': '',
  'config.accessKeyId': '',
  'secrets.secretAccessKey': '',
};

function requestOf(kind: Kind, auth: Auth, pathStyle: boolean, fields: Fields): Request {
  const name = fields.name.trim();
  if (kind === 'local') return { name, kind, config: { path: fields['config.path'].trim() } };
  if (kind === 's3') {
    return {
      name,
      kind,
      config: {
        endpoint: fields['config.endpoint'].trim(),
        region: fields['config.region'].trim(),
        bucket: fields['config.bucket'].trim(),
        prefix: fields['config.prefix'].trim(),
        accessKeyId: fields['config.accessKeyId'].trim(),
        pathStyle,
      },
      secrets: { secretAccessKey: fields['secrets.secretAccessKey'] },
    };
  }
  return {
    name,
    kind,
    config: {
      host: fields['config.host'].trim(),
      port: Number(fields['config.port']),
      username: fields['config.username'].trim(),
      path: fields['config.path'].trim(),
      hostKeySha256: fields['config.hostKeySha256'].trim() || undefined,
    },
    secrets:
      auth === 'password'
        ? { password: fields['secrets.password'] }
        : { privateKey: fields['secrets.privateKey'], passphrase: fields['secrets.passphrase'] || undefined },
  };
}

/**
 * The contract's checks, by field, in the form's words where the contract's own would be zod's
 * (an empty field, a port); a missing secret is the one the chosen way of logging in needs.
 */
function check(request: Request, auth: Auth, translate: ReturnType<typeof useTranslate>): Record<string, string> {
  const parsed = CreateBackupTargetRequest.safeParse(request);
  if (parsed.success) return {};
  return Object.fromEntries(
    parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      if (path === 'secrets') return [`secrets.${auth}`, translate('ra.validation.required')];
      if (path === 'config.port') return [path, translate('hearth.backups.targets.add.port_invalid')];
      if (path === 'config.endpoint') return [path, translate('hearth.backups.targets.add.endpoint_invalid')];
      if (path === 'config.bucket') return [path, translate('hearth.backups.targets.add.bucket_invalid')];
      if (issue.code === 'too_small' && issue.origin === 'string') return [path, translate('ra.validation.required')];
      return [path, issue.message];
    }),
  );
}

interface AddTargetDialogProps {
  onClose: () => void;
  onAdded: (target: BackupTarget) => void;
}

/** Adds a place backups go: a directory on this machine, an SFTP server (by password or key), or an S3-compatible bucket. */
export function AddTargetDialog({ onClose, onAdded }: AddTargetDialogProps) {
  const translate = useTranslate();
  const [kind, setKind] = useState<Kind>('local');
  const [auth, setAuth] = useState<Auth>('password');
  // Most self-hosted S3 servers (MinIO, Garage) want the bucket in the path; AWS takes either.
  const [pathStyle, setPathStyle] = useState(true);
  const [fields, setFields] = useState(EMPTY);
  const { pending, errors, problem, submit } = useFormRequest({ 'backup_target/name_taken': 'name' });

  const text = (field: keyof Fields, label: string, help?: string, extra: { type?: string; required?: boolean } = {}): ReactNode => (
    <TextField
      label={translate(label)}
      value={fields[field]}
      onChange={(event) => setFields({ ...fields, [field]: event.target.value })}
      error={Boolean(errors[field])}
      helperText={errors[field] ?? (help && translate(help))}
      autoComplete="off"
      required={extra.required ?? true}
      type={extra.type}
      slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none' } }}
    />
  );

  const send = () => {
    const request = requestOf(kind, auth, pathStyle, fields);
    void submit(check(request, auth, translate), () => backupsApi.addTarget(request), onAdded);
  };

  return (
    <FormDialog onClose={onClose} title="hearth.backups.targets.add.title" submitLabel="hearth.backups.targets.add.submit" disabled={pending} onSubmit={send}>
      {problem && <Alert severity="error">{problem}</Alert>}
      {text('name', 'hearth.backups.targets.add.name', 'hearth.backups.targets.add.name_help')}
      <FormControl component="fieldset">
        <FormLabel component="legend">{translate('hearth.backups.targets.add.kind')}</FormLabel>
        <RadioGroup row value={kind} onChange={(event) => setKind(event.target.value as Kind)}>
          <FormControlLabel value="local" control={<Radio />} label={translate('hearth.backups.targets.kind.local')} />
          <FormControlLabel value="sftp" control={<Radio />} label={translate('hearth.backups.targets.kind.sftp')} />
          <FormControlLabel value="s3" control={<Radio />} label={translate('hearth.backups.targets.kind.s3')} />
        </RadioGroup>
      </FormControl>
      {kind === 'local' && text('config.path', 'hearth.backups.targets.add.local_path', 'hearth.backups.targets.add.local_path_help')}
      {kind === 's3' && (
        <>
          {text('config.endpoint', 'hearth.backups.targets.add.endpoint', 'hearth.backups.targets.add.endpoint_help', { type: 'url' })}
          <Stack direction="row" spacing={2}>
            <Stack sx={{ flex: 1 }}>{text('config.bucket', 'hearth.backups.targets.add.bucket')}</Stack>
            <Stack sx={{ flex: 1 }}>{text('config.region', 'hearth.backups.targets.add.region', 'hearth.backups.targets.add.region_help')}</Stack>
          </Stack>
          {text('config.prefix', 'hearth.backups.targets.add.prefix', 'hearth.backups.targets.add.prefix_help', { required: false })}
          <FormControl>
            <FormControlLabel control={<Switch checked={pathStyle} onChange={(event) => setPathStyle(event.target.checked)} />} label={translate('hearth.backups.targets.add.path_style')} />
            <FormHelperText sx={{ mt: 0 }}>{translate('hearth.backups.targets.add.path_style_help')}</FormHelperText>
          </FormControl>
          {text('config.accessKeyId', 'hearth.backups.targets.add.access_key_id')}
          <PasswordField
            label="hearth.backups.targets.add.secret_access_key"
            value={fields['secrets.secretAccessKey']}
            onChange={(secret) => setFields({ ...fields, 'secrets.secretAccessKey': secret })}
            error={errors['secrets.secretAccessKey']}
            autoComplete="off"
          />
          <Typography variant="body2" color="text.secondary">
            {translate('hearth.backups.targets.add.s3_secrets_note')}
          </Typography>
        </>
      )}
      {kind === 'sftp' && (
        <>
          <Stack direction="row" spacing={2}>
            <Stack sx={{ flex: 1 }}>{text('config.host', 'hearth.backups.targets.add.host')}</Stack>
            <Stack sx={{ width: 120 }}>{text('config.port', 'hearth.backups.targets.add.port', undefined, { type: 'number' })}</Stack>
          </Stack>
          {text('config.username', 'hearth.backups.targets.add.username')}
          {text('config.path', 'hearth.backups.targets.add.sftp_path', 'hearth.backups.targets.add.sftp_path_help')}
          {text('config.hostKeySha256', 'hearth.backups.targets.add.host_key', 'hearth.backups.targets.add.host_key_help', { required: false })}
          <FormControl component="fieldset">
            <FormLabel component="legend">{translate('hearth.backups.targets.add.auth')}</FormLabel>
            <RadioGroup row value={auth} onChange={(event) => setAuth(event.target.value as Auth)}>
              <FormControlLabel value="password" control={<Radio />} label={translate('hearth.backups.targets.add.auth_password')} />
              <FormControlLabel value="privateKey" control={<Radio />} label={translate('hearth.backups.targets.add.auth_key')} />
            </RadioGroup>
          </FormControl>
          {auth === 'password' ? (
            <PasswordField
              label="hearth.backups.targets.add.password"
              value={fields['secrets.password']}
              onChange={(password) => setFields({ ...fields, 'secrets.password': password })}
              error={errors['secrets.password']}
              autoComplete="off"
            />
          ) : (
            <>
              <TextField
                label={translate('hearth.backups.targets.add.private_key')}
                value={fields['secrets.privateKey']}
                onChange={(event) => setFields({ ...fields, 'secrets.privateKey': event.target.value })}
                error={Boolean(errors['secrets.privateKey'])}
                helperText={errors['secrets.privateKey'] ?? translate('hearth.backups.targets.add.private_key_help')}
                multiline
                minRows={3}
                required
                autoComplete="off"
                slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', sx: { fontFamily: 'monospace' } } }}
              />
              {text('secrets.passphrase', 'hearth.backups.targets.add.passphrase', 'hearth.backups.targets.add.passphrase_help', { type: 'password', required: false })}
            </>
          )}
          <Typography variant="body2" color="text.secondary">
            {translate('hearth.backups.targets.add.secrets_note')}
          </Typography>
        </>
      )}
    </FormDialog>
  );
}
