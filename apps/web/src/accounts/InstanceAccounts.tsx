import { useState } from 'react';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettings';
import { Chip } from '@mui/material';
import type { Instance, InstanceUser } from '@hearth/contracts';
import {
  DataTable,
  DateField,
  FilterButton,
  List,
  SearchInput,
  SelectInput,
  TextField,
  TopToolbar,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { useLocation, useNavigate, useParams } from 'react-router';
import { useCan } from '../access';
import { AccountBulkActions, type BulkOutcome, BulkOutcomeDialog } from './AccountBulkActions';
import { AccountDrawer } from './AccountDrawer';
import { AccountStatusChip } from './AccountStatusChip';
import { CreateAccountButton } from './CreateAccountButton';
import { InstanceSubPage } from './InstanceSubPage';

const stateChoices = [
  { id: 'false', name: 'hearth.accounts.active' },
  { id: 'true', name: 'hearth.accounts.locked' },
];
const adminChoices = [
  { id: 'true', name: 'hearth.accounts.admins' },
  { id: 'false', name: 'hearth.accounts.not_admins' },
];

/** Filters the server's accounts can be told apart by: admins and locked accounts only where it has those. */
function filtersFor(instance: Instance) {
  return [
    <SearchInput key="q" source="q" alwaysOn />,
    ...(instance.capabilities.includes('users.deactivate')
      ? [<SelectInput key="deactivated" source="deactivated" choices={stateChoices} alwaysOn />]
      : []),
    ...(instance.capabilities.includes('users.admin') ? [<SelectInput key="admin" source="admin" choices={adminChoices} />] : []),
  ];
}

function AdminChip() {
  const translate = useTranslate();
  const account = useRecordContext<InstanceUser & { id: string }>();
  return account?.admin ? <Chip size="small" color="secondary" icon={<AdminPanelSettingsIcon />} label={translate('hearth.accounts.admin')} /> : null;
}

function AccountListActions({ instance }: { instance: Instance }) {
  const mayManage = useCan('instance-users.manage');
  return (
    <TopToolbar>
      {instance.capabilities.includes('users.admin') && <FilterButton />}
      {mayManage && <CreateAccountButton instance={instance} />}
    </TopToolbar>
  );
}

/**
 * The server's accounts: searched, filtered and paged by the API; selected rows take bulk actions,
 * and a row opens the account in a drawer whose address (/instances/:id/users/:username) can be shared.
 */
function AccountList({ instance }: { instance: Instance }) {
  const navigate = useNavigate();
  const { search } = useLocation();
  const { '*': username } = useParams();
  const mayManage = useCan('instance-users.manage');
  const [outcome, setOutcome] = useState<BulkOutcome>();
  const listPath = `/instances/${encodeURIComponent(instance.id)}/users`;
  const canLock = instance.capabilities.includes('users.deactivate');
  return (
    <>
      <List
        resource="instance-users"
        title={false}
        queryOptions={{ meta: { instanceId: instance.id } }}
        storeKey={`instance-users.${instance.id}`}
        filters={filtersFor(instance)}
        actions={<AccountListActions instance={instance} />}
        sort={{ field: 'username', order: 'ASC' }}
        perPage={25}
        empty={false}
        exporter={false}
      >
        <DataTable
          rowClick={(id) => {
            navigate({ pathname: `${listPath}/${encodeURIComponent(String(id))}`, search });
            return false;
          }}
          bulkActionButtons={mayManage ? <AccountBulkActions instance={instance} onDone={setOutcome} /> : false}
        >
          <DataTable.Col source="username">
            <TextField source="username" sx={{ fontFamily: 'monospace' }} />
          </DataTable.Col>
          <DataTable.Col source="displayName" disableSort>
            <TextField source="displayName" emptyText="—" />
          </DataTable.Col>
          {instance.capabilities.includes('users.admin') && (
            <DataTable.Col source="admin" disableSort>
              <AdminChip />
            </DataTable.Col>
          )}
          {canLock && (
            <DataTable.Col source="deactivated" disableSort>
              <AccountStatusChip />
            </DataTable.Col>
          )}
          <DataTable.Col source="lastSeenAt">
            <DateField source="lastSeenAt" showTime emptyText="—" />
          </DataTable.Col>
        </DataTable>
      </List>
      <AccountDrawer instance={instance} username={username || undefined} onClose={() => navigate({ pathname: listPath, search })} />
      {outcome && <BulkOutcomeDialog outcome={outcome} onClose={() => setOutcome(undefined)} />}
    </>
  );
}

export default function InstanceAccounts() {
  return <InstanceSubPage page="users">{(instance) => <AccountList instance={instance} />}</InstanceSubPage>;
}
