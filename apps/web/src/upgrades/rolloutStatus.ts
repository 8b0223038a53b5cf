import AutorenewIcon from '@mui/icons-material/Autorenew';
import BlockIcon from '@mui/icons-material/Block';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import ScheduleIcon from '@mui/icons-material/Schedule';
import SkipNextIcon from '@mui/icons-material/SkipNext';
import type { InstanceKind, MaintenanceWindow, RolloutInstance, UpgradeRollout } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { PROGRAM } from '../accounts/accountSupport';
import type { StatusLook } from '../jobs/jobStatus';
import { WEEK } from './rolloutDraft';

type Look = StatusLook & { label: string };

/** Written out so the compiler insists on every status and the catalogue test finds every key. */
export const ROLLOUT_STATUS_LOOK: Record<UpgradeRollout['status'], Look> = {
  running: { Icon: AutorenewIcon, colour: 'info', label: 'hearth.rollouts.status.running' },
  waiting: { Icon: ScheduleIcon, label: 'hearth.rollouts.status.waiting' },
  succeeded: { Icon: CheckCircleIcon, colour: 'success', label: 'hearth.rollouts.status.succeeded' },
  halted: { Icon: ErrorIcon, colour: 'error', label: 'hearth.rollouts.status.halted' },
  cancelled: { Icon: BlockIcon, colour: 'warning', label: 'hearth.rollouts.status.cancelled' },
};

export const SERVER_STATUS_LOOK: Record<RolloutInstance['status'], Look> = {
  pending: { Icon: RadioButtonUncheckedIcon, label: 'hearth.rollouts.server_status.pending' },
  upgrading: { Icon: AutorenewIcon, colour: 'info', label: 'hearth.rollouts.server_status.upgrading' },
  upgraded: { Icon: CheckCircleIcon, colour: 'success', label: 'hearth.rollouts.server_status.upgraded' },
  failed: { Icon: ErrorIcon, colour: 'error', label: 'hearth.rollouts.server_status.failed' },
  skipped: { Icon: SkipNextIcon, label: 'hearth.rollouts.server_status.skipped' },
};

/** The days' short names, 0 = Sunday. */
export const DAY_SHORT = [
  'hearth.rollouts.day_short.0',
  'hearth.rollouts.day_short.1',
  'hearth.rollouts.day_short.2',
  'hearth.rollouts.day_short.3',
  'hearth.rollouts.day_short.4',
  'hearth.rollouts.day_short.5',
  'hearth.rollouts.day_short.6',
];

/** The days' names, 0 = Sunday. */
export const DAY_NAME = [
  'hearth.rollouts.day.0',
  'hearth.rollouts.day.1',
  'hearth.rollouts.day.2',
  'hearth.rollouts.day.3',
  'hearth.rollouts.day.4',
  'hearth.rollouts.day.5',
  'hearth.rollouts.day.6',
];

/** A rollout that may still start upgrades (or has one under way) changes: its pages keep reading it. */
export function isRolloutActive(status: UpgradeRollout['status'] | undefined): boolean {
  return status === 'running' || status === 'waiting';
}

/** How far it got: the servers upgraded, of those it is to upgrade (the skipped ones apart). */
export function progressOf(rollout: Pick<UpgradeRollout, 'instances'>) {
  const count = (status: RolloutInstance['status']) => rollout.instances.filter((entry) => entry.status === status).length;
  const skipped = count('skipped');
  return { upgraded: count('upgraded'), total: rollout.instances.length - skipped, skipped };
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** A window as the operator set it, in its own time zone: "22:00–02:00 Europe/Berlin, Sat". */
export function windowText(window: MaintenanceWindow | null, translate: Translate): string {
  if (!window) return translate('hearth.rollouts.window.none');
  const days = window.days && !WEEK.every((day) => window.days!.includes(day))
    ? WEEK.filter((day) => window.days!.includes(day)).map((day) => translate(DAY_SHORT[day])).join(', ')
    : undefined;
  const args = { start: window.start, end: window.end, timezone: window.timezone, days };
  return translate(days ? 'hearth.rollouts.window.text_days' : 'hearth.rollouts.window.text', args);
}

/** "Prosody to bookworm-backports": the program as the console names it (the API may one day know more kinds than this console). */
export function useRolloutName(): (rollout: Pick<UpgradeRollout, 'kind' | 'to'>) => string {
  const translate = useTranslate();
  return ({ kind, to }) => translate('hearth.rollouts.name', { program: kind in PROGRAM ? translate(PROGRAM[kind as InstanceKind]) : kind, to });
}

/** "2 of 3 upgraded", and how many were left out. */
export function useProgressText(): (rollout: Pick<UpgradeRollout, 'instances'>) => string {
  const translate = useTranslate();
  return (rollout) => {
    const { upgraded, total, skipped } = progressOf(rollout);
    const done = translate('hearth.rollouts.progress', { upgraded, total });
    return skipped > 0 ? `${done} · ${translate('hearth.rollouts.skipped', { smart_count: skipped })}` : done;
  };
}
