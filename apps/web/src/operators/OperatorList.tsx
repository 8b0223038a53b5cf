import { BooleanField, DataTable, DateField, List, SearchInput, SelectField, SelectInput } from 'react-admin';
import { roleChoices } from '../common/roles';

const filters = [<SearchInput key="q" source="q" alwaysOn />, <SelectInput key="role" source="role" choices={roleChoices} />];

export default function OperatorList() {
  return (
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }}>
      <DataTable rowClick="edit" bulkActionButtons={false}>
        <DataTable.Col source="email" />
        <DataTable.Col source="displayName" disableSort />
        <DataTable.Col source="role">
          <SelectField source="role" choices={roleChoices} />
        </DataTable.Col>
        <DataTable.Col source="totpEnabled" field={BooleanField} disableSort />
        <DataTable.Col source="disabled" field={BooleanField} disableSort />
        <DataTable.Col source="lastLoginAt">
          <DateField source="lastLoginAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="createdAt">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
