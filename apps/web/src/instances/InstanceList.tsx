import LinkIcon from '@mui/icons-material/Link';
import { Box } from '@mui/material';
import type { Instance } from '@hearth/contracts';
import {
  Button,
  CreateButton,
  DataTable,
  DateField,
  Empty,
  FilterButton,
  Link,
  List,
  SearchInput,
  SelectField,
  SelectInput,
  TextField,
  TopToolbar,
} from 'react-admin';
import { useCan } from '../access';
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

/** Adopting a server that runs elsewhere, beside creating one here; for those who manage instances. */
function AdoptButton({ variant }: { variant?: 'contained' }) {
  if (!useCan('instances.manage')) return null;
  return (
    <Button component={Link} to="/instances/adopt" label="hearth.instances.adopt.button" variant={variant}>
      <LinkIcon />
    </Button>
  );
}

function ListActions() {
  return (
    <TopToolbar>
      <FilterButton />
      <CreateButton />
      <AdoptButton />
    </TopToolbar>
  );
}

function NoInstances() {
  return (
    <Box sx={{ flex: 1, display: 'flex', flexDirection: 'column', alignItems: 'center', gap: 2 }}>
      <Empty />
      <AdoptButton variant="contained" />
    </Box>
  );
}

export default function InstanceList() {
  return (
    <List
      filters={filters}
      actions={<ListActions />}
      empty={<NoInstances />}
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
