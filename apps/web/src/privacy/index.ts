import { lazy } from 'react';
import PrivacyTipIcon from '@mui/icons-material/PrivacyTip';

export default {
  list: lazy(() => import('./PolicyList')),
  create: lazy(() => import('./PolicyCreate')),
  edit: lazy(() => import('./PolicyEdit')),
  show: lazy(() => import('./PolicyShow')),
  icon: PrivacyTipIcon,
  recordRepresentation: 'name',
};
