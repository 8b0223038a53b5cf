import { DataTable, DateField, DeleteButton, List, SelectField, SelectInput, TextField, useRecordContext } from 'react-admin';
import type { ApiToken } from '@hearth/contracts';
import { roleChoices } from '../common/roles';

const stateChoices = [
  { id: 'true', name: 'hearth.tokens.active' },
  { id: 'false', name: 'hearth.tokens.inactive' },
];

const filters = [<SelectInput key="active" source="active" choices={stateChoices} alwaysOn />];

function RevokeTokenButton() {
  const token = useRecordContext<ApiToken>();
  if (!token || token.revokedAt) return null;
  // Its label, confirmation and notification come from resources.tokens.* in the catalogue.
  return <DeleteButton mutationMode="pessimistic" redirect={false} />;
}

export default function TokenList() {
  return (
    <List filters={filters} filterDefaultValues={{ active: 'true' }} sort={{ field: 'createdAt', order: 'DESC' }}>
      <DataTable bulkActionButtons={false} rowClick={false}>
        <DataTable.Col source="name" />
        <DataTable.Col source="prefix" disableSort>
          <TextField source="prefix" sx={{ fontFamily: 'monospace' }} />
        </DataTable.Col>
        <DataTable.Col source="role" disableSort>
          <SelectField source="role" choices={roleChoices} />
        </DataTable.Col>
        <DataTable.Col source="createdAt">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="expiresAt">
          <DateField source="expiresAt" showTime emptyText="hearth.tokens.never" />
        </DataTable.Col>
        <DataTable.Col source="lastUsedAt">
          <DateField source="lastUsedAt" showTime emptyText="hearth.tokens.never_used" />
        </DataTable.Col>
        <DataTable.Col source="revokedAt" disableSort>
          <DateField source="revokedAt" showTime />
        </DataTable.Col>
        <DataTable.Col label="hearth.tokens.actions">
          <RevokeTokenButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
