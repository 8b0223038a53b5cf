import { NewPassword, type Role } from '@hearth/contracts';
import { Create, PasswordInput, SelectInput, SimpleForm, TextInput, email, minLength, required, usePermissions } from 'react-admin';
import { grantableRoleChoices } from '../common/roles';

export default function OperatorCreate() {
  const { permissions: myRole } = usePermissions<Role>();
  return (
    <Create redirect="list">
      <SimpleForm defaultValues={{ role: 'viewer' }}>
        <TextInput source="email" type="email" autoComplete="off" validate={[required(), email()]} />
        <TextInput source="displayName" />
        <SelectInput source="role" choices={grantableRoleChoices(myRole)} validate={required()} />
        <PasswordInput
          source="password"
          autoComplete="new-password"
          helperText="hearth.operators.password_help_new"
          validate={[required(), minLength(NewPassword.minLength ?? 0)]}
        />
      </SimpleForm>
    </Create>
  );
}
