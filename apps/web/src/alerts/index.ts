import { lazy } from 'react';
import NotificationsActiveIcon from '@mui/icons-material/NotificationsActive';

export default {
  list: lazy(() => import('./AlertChannelList')),
  create: lazy(() => import('./AlertChannelCreate')),
  edit: lazy(() => import('./AlertChannelEdit')),
  icon: NotificationsActiveIcon,
  recordRepresentation: 'name',
};
