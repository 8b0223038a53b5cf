import { useState } from 'react';
import { NewPassword } from '@hearth/contracts';
import { Form, PasswordInput, SaveButton, minLength, required, useDataProvider, useNotify } from 'react-admin';
import type { HearthDataProvider } from '../dataProvider';
import { useAccountFormSubmit } from './useAccountFormSubmit';

type PasswordChange = { currentPassword: string; newPassword: string; repeatPassword: string };

const matchesNewPassword = (value: string, values: Record<string, unknown>) =>
  value === values.newPassword ? undefined : 'hearth.account.password.mismatch';

export function ChangePasswordForm() {
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  // A new key remounts the form, clearing every password from it after a change.
  const [formKey, setFormKey] = useState(0);
  const submit = useAccountFormSubmit<PasswordChange>(
    async ({ currentPassword, newPassword }) => {
      await dataProvider.changePassword({ currentPassword, newPassword });
      notify('hearth.account.password.changed', { type: 'success' });
      setFormKey((key) => key + 1);
    },
    { 'auth/wrong_password': 'currentPassword' },
  );
  return (
    <Form key={formKey} onSubmit={submit} noValidate>
      <PasswordInput
        source="currentPassword"
        label="hearth.account.password.current"
        autoComplete="current-password"
        validate={required()}
      />
      <PasswordInput
        source="newPassword"
        label="hearth.account.password.new"
        autoComplete="new-password"
        helperText="hearth.account.password.rules"
        validate={[required(), minLength(NewPassword.minLength ?? 0)]}
      />
      <PasswordInput
        source="repeatPassword"
        label="hearth.account.password.repeat"
        autoComplete="new-password"
        validate={[required(), matchesNewPassword]}
      />
      <SaveButton label="hearth.account.password.submit" />
    </Form>
  );
}
