import { lazy } from 'react';
import FlagIcon from '@mui/icons-material/Flag';
import StorageIcon from '@mui/icons-material/Storage';
import VpnKeyIcon from '@mui/icons-material/VpnKey';
import { Admin, CustomRoutes, Resource, memoryStore } from 'react-admin';
import { Route } from 'react-router';
import alertChannels from './alerts';
import audit from './audit';
import { authProvider } from './authProvider';
import backups from './backups';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n/i18nProvider';
import instances from './instances';
import jobs from './jobs';
import { HearthLayout } from './layout/HearthLayout';
import { LoginPage } from './login/LoginPage';
import operators from './operators';
import retentionPolicies from './privacy';
import tokens from './tokens';
import upgradeRollouts from './upgrades';

const Dashboard = lazy(() => import('./dashboard/Dashboard'));
const AccountPage = lazy(() => import('./account/AccountPage'));
const InstanceAdopt = lazy(() => import('./instances/InstanceAdopt'));
const InstanceAccounts = lazy(() => import('./accounts/InstanceAccounts'));
const InstanceInvites = lazy(() => import('./accounts/InstanceInvites'));
const ReportList = lazy(() => import('./moderation/ReportList'));
const ReportShow = lazy(() => import('./moderation/ReportShow'));
const InstanceRooms = lazy(() => import('./moderation/InstanceRooms'));
const RoomShow = lazy(() => import('./moderation/RoomShow'));
const BackupTargetList = lazy(() => import('./backups/targets/TargetList'));
const BackupRecipientList = lazy(() => import('./backups/recipients/RecipientList'));

// UI preferences live in memory only, so this console leaves nothing in the browser's storage.
const store = memoryStore();

export function App() {
  return (
    <Admin
      title="Hearth"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      store={store}
      layout={HearthLayout}
      loginPage={LoginPage}
      dashboard={Dashboard}
      requireAuth
      disableTelemetry
    >
      <Resource name="instances" {...instances}>
        <Route path="adopt" element={<InstanceAdopt />} />
        {/* The rest of the path names the account open in a drawer beside the list. */}
        <Route path=":id/users/*" element={<InstanceAccounts />} />
        <Route path=":id/invites" element={<InstanceInvites />} />
        <Route path=":id/rooms" element={<InstanceRooms />} />
        <Route path=":id/rooms/:roomId" element={<RoomShow />} />
      </Resource>
      {/* Beside the chat servers: every server of a kind moved to one version, one at a time. */}
      <Resource name="upgrade-rollouts" {...upgradeRollouts} />
      <Resource name="reports" list={ReportList} icon={FlagIcon}>
        <Route path=":instanceId/:reportId" element={<ReportShow />} />
      </Resource>
      <Resource name="backups" {...backups} />
      {/* Their pages read them themselves (the API answers them all at once); resources so the menu lists them. */}
      <Resource name="backup-targets" list={BackupTargetList} icon={StorageIcon} />
      <Resource name="backup-recipients" list={BackupRecipientList} icon={VpnKeyIcon} />
      <Resource name="retention-policies" {...retentionPolicies} />
      <Resource name="alert-channels" {...alertChannels} />
      <Resource name="operators" {...operators} />
      <Resource name="tokens" {...tokens} />
      <Resource name="audit-events" {...audit} />
      <Resource name="jobs" {...jobs} />
      <CustomRoutes>
        <Route path="/account" element={<AccountPage />} />
      </CustomRoutes>
    </Admin>
  );
}
