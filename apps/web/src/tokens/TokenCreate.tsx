import { useState } from 'react';
import type { Role } from '@hearth/contracts';
import { Create, DateTimeInput, type RaRecord, SelectInput, SimpleForm, TextInput, maxLength, required, usePermissions, useRedirect } from 'react-admin';
import { localDateTimeToIso } from '../common/dates';
import { grantableRoleChoices } from '../common/roles';
import { ShownOnceDialog } from '../common/ShownOnceDialog';

export default function TokenCreate() {
  const { permissions: myRole } = usePermissions<Role>();
  const redirect = useRedirect();
  const [token, setToken] = useState<string>();
  return (
    <>
      <Create mutationOptions={{ onSuccess: ({ token }: RaRecord) => setToken(token) }}>
        <SimpleForm>
          <TextInput source="name" helperText="hearth.tokens.name_help" validate={[required(), maxLength(100)]} />
          <SelectInput
            source="role"
            choices={grantableRoleChoices(myRole)}
            helperText="hearth.tokens.role_help"
            emptyText="hearth.tokens.role_default"
          />
          <DateTimeInput source="expiresAt" parse={localDateTimeToIso} helperText="hearth.tokens.expires_help" />
        </SimpleForm>
      </Create>
      {token && (
        <ShownOnceDialog
          title="hearth.tokens.created_title"
          warning="hearth.tokens.created_warning"
          label="hearth.tokens.token"
          doneLabel="hearth.tokens.created_done"
          value={token}
          onClose={() => redirect('list', 'tokens')}
        />
      )}
    </>
  );
}
