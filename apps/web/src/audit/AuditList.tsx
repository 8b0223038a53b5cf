import { DataTable, DateField, DateTimeInput, List, SearchInput, SelectField, SelectInput, TextField, TextInput } from 'react-admin';
import { localDateTimeToIso } from '../common/dates';
import { resultChoices } from './auditChoices';
import { AuditTarget } from './AuditTarget';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="result" source="result" choices={resultChoices} alwaysOn />,
  <TextInput key="action" source="action" />,
  <TextInput key="targetType" source="targetType" />,
  <TextInput key="targetId" source="targetId" />,
  <DateTimeInput key="since" source="since" parse={localDateTimeToIso} />,
  <DateTimeInput key="until" source="until" parse={localDateTimeToIso} />,
];

export default function AuditList() {
  return (
    <List filters={filters} sort={{ field: 'at', order: 'DESC' }} perPage={50}>
      <DataTable rowClick="show" bulkActionButtons={false}>
        <DataTable.Col source="at">
          <DateField source="at" showTime />
        </DataTable.Col>
        <DataTable.Col source="actorEmail" disableSort>
          <TextField source="actorEmail" emptyText="—" />
        </DataTable.Col>
        <DataTable.Col source="action" />
        <DataTable.Col source="targetType" disableSort>
          <AuditTarget />
        </DataTable.Col>
        <DataTable.Col source="result" disableSort>
          <SelectField source="result" choices={resultChoices} />
        </DataTable.Col>
        <DataTable.Col source="reason" disableSort>
          <TextField source="reason" emptyText="—" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
