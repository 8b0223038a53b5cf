import AccountCircleIcon from '@mui/icons-material/AccountCircle';
import { Menu } from 'react-admin';

/** Resource entries hide themselves when authProvider.canAccess says the role can't list them. */
export function HearthMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.ResourceItems />
      <Menu.Item to="/account" primaryText="hearth.account.menu" leftIcon={<AccountCircleIcon />} />
    </Menu>
  );
}
