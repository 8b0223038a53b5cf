import { NewPassword, type Role } from '@hearth/contracts';
import {
  BooleanInput,
  Edit,
  PasswordInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  TextInput,
  Toolbar,
  minLength,
  required,
  usePermissions,
} from 'react-admin';
import { grantableRoleChoices } from '../common/roles';
import { DeleteOperatorButton } from './DeleteOperatorButton';

function OperatorEditToolbar() {
  return (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
      <SaveButton />
      <DeleteOperatorButton />
    </Toolbar>
  );
}

export default function OperatorEdit() {
  const { permissions: myRole } = usePermissions<Role>();
  return (
    // Pessimistic: the API may refuse a change (e.g. removing the last owner), and the form must show why.
    <Edit mutationMode="pessimistic">
      <SimpleForm toolbar={<OperatorEditToolbar />}>
        <TextInput source="email" readOnly />
        <TextInput source="displayName" />
        <SelectInput source="role" choices={grantableRoleChoices(myRole)} validate={required()} />
        <BooleanInput source="disabled" helperText="hearth.operators.disabled_help" />
        <PasswordInput
          source="password"
          label="hearth.operators.new_password"
          autoComplete="new-password"
          helperText="hearth.operators.password_help_edit"
          validate={minLength(NewPassword.minLength ?? 0)}
        />
      </SimpleForm>
    </Edit>
  );
}
