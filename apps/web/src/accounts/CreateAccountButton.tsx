import { useState } from 'react';
import PersonAddIcon from '@mui/icons-material/PersonAdd';
import { Alert, TextField } from '@mui/material';
import type { Instance } from '@hearth/contracts';
import { useDataProvider, useNotify, useRefresh, useTranslate } from 'react-admin';
import { FormDialog } from '../common/FormDialog';
import { useFormRequest } from '../common/useRequest';
import type { HearthDataProvider, IssuedAccountLink } from '../dataProvider';
import { USERNAME_RULES, accountAddress, protocolOf, useUnsupported } from './accountSupport';
import { GatedDialogButton } from './GatedButton';
import { PasswordChoice, type PasswordMethod, SetPasswordLinkDialog, hasLink, isValidAccountPassword, passwordRequest } from './passwords';

/** Refusals about the user name, shown under it. */
const CODE_FIELDS = { 'instance_user/exists': 'username', 'instance_user/invalid': 'username' };

/** "New account", for moderators, where the server lets Hearth create accounts. */
export function CreateAccountButton({ instance }: { instance: Instance }) {
  return (
    <GatedDialogButton
      label="hearth.accounts.create"
      icon={<PersonAddIcon />}
      unsupported={useUnsupported(instance)('users.create')}
      dialog={(close) => <CreateAccountDialog instance={instance} onClose={close} />}
    />
  );
}

/** The form, then the set-password link if one was asked for. */
function CreateAccountDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const { pending, errors, problem, submit } = useFormRequest(CODE_FIELDS);
  const [issued, setIssued] = useState<IssuedAccountLink>();
  const [username, setUsername] = useState('');
  const [method, setMethod] = useState<PasswordMethod>('link');
  const [password, setPassword] = useState('');

  const create = () => {
    const name = username.trim();
    const found: Record<string, string> = {};
    if (!name) found.username = 'hearth.accounts.username_required';
    if (method === 'password' && !isValidAccountPassword(password)) found.password = 'hearth.accounts.password_rules';
    return submit(
      found,
      () => dataProvider.createAccount(instance.id, { username: name, ...passwordRequest(method, password) }),
      (created) => {
        refresh();
        notify('hearth.accounts.created', { type: 'info', messageArgs: { address: accountAddress(instance.kind, created.username, instance.domain) } });
        if (hasLink(created)) setIssued(created);
        else onClose();
      },
    );
  };

  if (issued && hasLink(issued)) return <SetPasswordLinkDialog issued={issued} onClose={onClose} />;
  const address = accountAddress(instance.kind, username.trim() || translate('hearth.accounts.username_placeholder'), instance.domain);
  return (
    <FormDialog
      onClose={onClose}
      title="hearth.accounts.create_title"
      submitLabel="hearth.accounts.create_submit"
      messageArgs={{ name: instance.name }}
      disabled={pending}
      onSubmit={create}
    >
      <TextField
        label={translate('resources.instance-users.fields.username')}
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        required
        autoFocus
        autoComplete="off"
        error={Boolean(errors.username)}
        helperText={translate(errors.username ?? USERNAME_RULES[protocolOf(instance.kind)], { address })}
        slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 255 } }}
      />
      <PasswordChoice method={method} onMethod={setMethod} password={password} onPassword={setPassword} error={errors.password} />
      {problem && <Alert severity="error">{translate(problem)}</Alert>}
    </FormDialog>
  );
}
