import { lazy } from 'react';
import UpgradeIcon from '@mui/icons-material/Upgrade';

// Upgrade rollouts; each server's own versions are in its page's Version card.
export default {
  list: lazy(() => import('./RolloutList')),
  show: lazy(() => import('./RolloutShow')),
  create: lazy(() => import('./RolloutCreate')),
  icon: UpgradeIcon,
};
