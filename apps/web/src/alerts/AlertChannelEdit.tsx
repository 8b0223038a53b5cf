import { BooleanInput, Edit, PasswordInput, SaveButton, SelectInput, SimpleForm, TextInput, Toolbar, DeleteButton, maxLength, required } from 'react-admin';
import { Box } from '@mui/material';
import { alertKindChoices, validateSecret, validateUrl } from './alertChoices';
import { SendTestButton } from './SendTestButton';

function AlertChannelToolbar() {
  return (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <SaveButton />
        <SendTestButton />
      </Box>
      <DeleteButton mutationMode="pessimistic" />
    </Toolbar>
  );
}

export default function AlertChannelEdit() {
  return (
    // Pessimistic: the API checks the address, and the form must show why it refused one.
    <Edit mutationMode="pessimistic">
      <SimpleForm toolbar={<AlertChannelToolbar />}>
        <TextInput source="name" validate={[required(), maxLength(100)]} />
        <SelectInput source="kind" choices={alertKindChoices} readOnly />
        <TextInput source="url" type="url" autoComplete="off" helperText="hearth.alerts.url_help" validate={[required(), ...validateUrl]} />
        <PasswordInput
          source="secret"
          label="hearth.alerts.new_secret"
          autoComplete="new-password"
          helperText="hearth.alerts.secret_help_edit"
          validate={validateSecret}
        />
        <BooleanInput source="enabled" helperText="hearth.alerts.enabled_help" />
      </SimpleForm>
    </Edit>
  );
}
