import { Box, Typography } from '@mui/material';
import type { Backup } from '@hearth/contracts';
import { DataTable, DateField, Link, List, NumberField, SearchInput, SelectInput, useTranslate } from 'react-admin';
import { BackupChecks, BackupDuration, BackupSize } from './BackupFields';
import { BackupStatusChip } from './BackupStatusChip';
import { backupStatusChoices } from './backupStatus';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="status" source="status" choices={backupStatusChoices} alwaysOn />,
];

/** Fast while a backup is being written, so it turns verified (or failed) without a reload. */
const RUNNING_POLL_MS = 2_000;
const POLL_MS = 30_000;

/** Backups are made from a chat server's page (now, or on a schedule), not here. */
function NoBackups() {
  const translate = useTranslate();
  return (
    <Box sx={{ flex: 1, textAlign: 'center', p: 4 }}>
      <Typography variant="h6" component="p" gutterBottom>
        {translate('hearth.backups.empty.title')}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.backups.empty.content')} <Link to="/instances">{translate('hearth.backups.empty.instances')}</Link>
      </Typography>
    </Box>
  );
}

export default function BackupList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'startedAt', order: 'DESC' }}
      empty={<NoBackups />}
      exporter={false}
      queryOptions={{
        refetchInterval: (query: { state: { data?: { data: Backup[] } } }) =>
          query.state.data?.data.some((backup) => backup.status === 'running') ? RUNNING_POLL_MS : POLL_MS,
      }}
    >
      <DataTable rowClick="show" bulkActionButtons={false}>
        <DataTable.Col source="instanceName" />
        <DataTable.Col source="startedAt">
          <DateField source="startedAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="status">
          <BackupStatusChip />
        </DataTable.Col>
        <DataTable.Col source="sizeBytes">
          <BackupSize />
        </DataTable.Col>
        <DataTable.Col source="durationMs" disableSort>
          <BackupDuration />
        </DataTable.Col>
        <DataTable.Col source="accountCount" disableSort>
          <NumberField source="accountCount" emptyText="—" />
        </DataTable.Col>
        <DataTable.Col source="targetName" disableSort />
        <DataTable.Col source="checks" disableSort>
          <BackupChecks />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
