import { DataTable, DateField, FilterButton, List, NumberField, SelectInput, TextInput, TopToolbar } from 'react-admin';
import { JobProgress } from './JobProgress';
import { JobStatusChip } from './JobStatusChip';
import { jobStatusChoices } from './jobStatus';
import { PruneButton } from './PruneButton';

const filters = [
  <SelectInput key="status" source="status" choices={jobStatusChoices} alwaysOn />,
  <TextInput key="type" source="type" />,
];

function JobListActions() {
  return (
    <TopToolbar>
      <FilterButton />
      <PruneButton />
    </TopToolbar>
  );
}

export default function JobList() {
  return (
    <List filters={filters} actions={<JobListActions />} sort={{ field: 'createdAt', order: 'DESC' }}>
      <DataTable rowClick="show" bulkActionButtons={false}>
        <DataTable.Col source="type" />
        <DataTable.Col source="status">
          <JobStatusChip />
        </DataTable.Col>
        <DataTable.Col source="progress" disableSort>
          <JobProgress />
        </DataTable.Col>
        <DataTable.Col source="attempts" disableSort>
          <NumberField source="attempts" />
        </DataTable.Col>
        <DataTable.Col source="createdAt">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="finishedAt" disableSort>
          <DateField source="finishedAt" showTime />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
