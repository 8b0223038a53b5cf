import { BooleanField, DataTable, DateField, List, SelectField, TextField } from 'react-admin';
import { useCan } from '../access';
import { alertKindChoices } from './alertChoices';
import { SendTestButton } from './SendTestButton';

export default function AlertChannelList() {
  // Viewers may see the channels, but their edit page would only say "access denied".
  const mayManage = useCan('alerts.manage');
  return (
    <List sort={{ field: 'name', order: 'ASC' }} exporter={false}>
      <DataTable rowClick={mayManage ? 'edit' : false} bulkActionButtons={false}>
        <DataTable.Col source="name" />
        <DataTable.Col source="kind" disableSort>
          <SelectField source="kind" choices={alertKindChoices} />
        </DataTable.Col>
        <DataTable.Col source="url" disableSort>
          <TextField source="url" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} />
        </DataTable.Col>
        <DataTable.Col source="signed" field={BooleanField} disableSort />
        <DataTable.Col source="enabled" field={BooleanField} disableSort />
        <DataTable.Col source="createdAt">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
        <DataTable.Col label="hearth.alerts.actions">
          <SendTestButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
