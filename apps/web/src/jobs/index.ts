import { lazy } from 'react';
import WorkHistoryIcon from '@mui/icons-material/WorkHistory';

export default {
  list: lazy(() => import('./JobList')),
  show: lazy(() => import('./JobShow')),
  icon: WorkHistoryIcon,
  recordRepresentation: 'type',
};
