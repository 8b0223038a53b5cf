import { Suspense, lazy } from 'react';
import AccountCircleIcon from '@mui/icons-material/AccountCircle';
import { Menu } from 'react-admin';

// Its permission check brings the contracts' schemas along; loaded apart, they stay off the sign-in page.
const ReportsMenuItem = lazy(() => import('../moderation/ReportsMenuItem'));

/** Resource entries hide themselves when authProvider.canAccess says the role can't list them. */
export function HearthMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      <Suspense fallback={null}>
        <ReportsMenuItem />
      </Suspense>
      <Menu.ResourceItems />
      <Menu.Item to="/account" primaryText="hearth.account.menu" leftIcon={<AccountCircleIcon />} />
    </Menu>
  );
}
