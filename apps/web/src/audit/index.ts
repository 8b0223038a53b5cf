import { lazy } from 'react';
import ReceiptLongIcon from '@mui/icons-material/ReceiptLong';

export default {
  list: lazy(() => import('./AuditList')),
  show: lazy(() => import('./AuditShow')),
  icon: ReceiptLongIcon,
  recordRepresentation: 'action',
};
