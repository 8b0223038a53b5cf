import type { Instance } from '@hearth/contracts';
import { DataTable, DateField, List, SearchInput, SelectField, SelectInput, TextField } from 'react-admin';
import { HealthField } from './HealthField';
import { InstanceStatusChip } from './InstanceStatusChip';
import { instanceKindChoices, instanceStatusChoices, isInstanceChanging } from './instanceStatus';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="status" source="status" choices={instanceStatusChoices} alwaysOn />,
  <SelectInput key="kind" source="kind" choices={instanceKindChoices} />,
];

/** Fast while something is being set up, started or stopped; otherwise about as often as health is checked. */
const CHANGING_POLL_MS = 2_000;
const POLL_MS = 15_000;

export default function InstanceList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'name', order: 'ASC' }}
      // The API pages at most 500 instances, fewer than react-admin's export asks for; nor is a CSV of them useful.
      exporter={false}
      queryOptions={{
        refetchInterval: (query: { state: { data?: { data: Instance[] } } }) =>
          query.state.data?.data.some((instance) => isInstanceChanging(instance)) ? CHANGING_POLL_MS : POLL_MS,
      }}
    >
      <DataTable rowClick="show" bulkActionButtons={false}>
        <DataTable.Col source="name" />
        <DataTable.Col source="status">
          <InstanceStatusChip />
        </DataTable.Col>
        <DataTable.Col source="kind">
          <SelectField source="kind" choices={instanceKindChoices} />
        </DataTable.Col>
        <DataTable.Col source="domain" />
        <DataTable.Col source="version" disableSort>
          <TextField source="version" emptyText="—" />
        </DataTable.Col>
        <DataTable.Col source="health" disableSort>
          <HealthField />
        </DataTable.Col>
        <DataTable.Col source="createdAt">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
