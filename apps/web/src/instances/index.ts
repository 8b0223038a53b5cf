import { lazy } from 'react';
import DnsIcon from '@mui/icons-material/Dns';

export default {
  list: lazy(() => import('./InstanceList')),
  show: lazy(() => import('./InstanceShow')),
  create: lazy(() => import('./InstanceCreate')),
  icon: DnsIcon,
  recordRepresentation: 'name',
};
