import { lazy } from 'react';
import BackupIcon from '@mui/icons-material/Backup';

export default {
  list: lazy(() => import('./BackupList')),
  show: lazy(() => import('./BackupShow')),
  icon: BackupIcon,
  recordRepresentation: 'instanceName',
};
