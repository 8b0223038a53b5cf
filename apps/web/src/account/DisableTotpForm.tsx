import { Form, PasswordInput, SaveButton, required, useDataProvider, useNotify } from 'react-admin';
import type { HearthDataProvider } from '../dataProvider';
import { useAccountFormSubmit } from './useAccountFormSubmit';

export function DisableTotpForm({ onDisabled }: { onDisabled: () => void }) {
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  const submit = useAccountFormSubmit<{ password: string }>(
    async ({ password }) => {
      await dataProvider.disableTotp(password);
      notify('hearth.account.totp.disabled_done', { type: 'success' });
      onDisabled();
    },
    { 'auth/wrong_password': 'password' },
  );
  return (
    <Form onSubmit={submit} noValidate>
      <PasswordInput
        source="password"
        label="hearth.account.totp.disable_password"
        helperText="hearth.account.totp.disable_help"
        autoComplete="current-password"
        validate={required()}
      />
      <SaveButton label="hearth.account.totp.turn_off" color="warning" />
    </Form>
  );
}
