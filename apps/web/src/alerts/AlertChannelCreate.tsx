import { BooleanInput, Create, PasswordInput, SelectInput, SimpleForm, TextInput, maxLength, required } from 'react-admin';
import { alertKindChoices, validateSecret, validateUrl } from './alertChoices';

export default function AlertChannelCreate() {
  return (
    <Create redirect="list">
      <SimpleForm defaultValues={{ kind: 'webhook', enabled: true }}>
        <TextInput source="name" helperText="hearth.alerts.name_help" validate={[required(), maxLength(100)]} />
        <SelectInput source="kind" choices={alertKindChoices} validate={required()} helperText="hearth.alerts.kind_help" />
        <TextInput
          source="url"
          type="url"
          autoComplete="off"
          helperText="hearth.alerts.url_help"
          validate={[required(), ...validateUrl]}
        />
        <PasswordInput source="secret" autoComplete="new-password" helperText="hearth.alerts.secret_help" validate={validateSecret} />
        <BooleanInput source="enabled" helperText="hearth.alerts.enabled_help" />
      </SimpleForm>
    </Create>
  );
}
