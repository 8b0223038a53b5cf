import FlagIcon from '@mui/icons-material/Flag';
import { Menu } from 'react-admin';
import { useCan } from '../access';
import { REPORTS_PATH } from './paths';

/** The moderators' queue of reported messages across servers; hidden from roles that can't read it. */
export default function ReportsMenuItem() {
  const mayRead = useCan('moderation.read');
  return mayRead ? <Menu.Item to={REPORTS_PATH} primaryText="hearth.moderation.reports.menu" leftIcon={<FlagIcon />} /> : null;
}
