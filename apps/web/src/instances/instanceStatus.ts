import AutorenewIcon from '@mui/icons-material/Autorenew';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import HighlightOffIcon from '@mui/icons-material/HighlightOff';
import HourglassTopIcon from '@mui/icons-material/HourglassTop';
import StopCircleIcon from '@mui/icons-material/StopCircle';
import WarningIcon from '@mui/icons-material/Warning';
import { InstanceKind, InstanceStatus, type Instance } from '@hearth/contracts';
import type { StatusLook } from '../jobs/jobStatus';

/**
 * Written out (not built from the status) so the compiler insists on every status and the
 * catalogue test finds every key.
 */
export const INSTANCE_STATUS_LOOK: Record<InstanceStatus, StatusLook & { label: string }> = {
  provisioning: { Icon: HourglassTopIcon, colour: 'info', label: 'hearth.instances.status.provisioning' },
  running: { Icon: CheckCircleIcon, colour: 'success', label: 'hearth.instances.status.running' },
  degraded: { Icon: WarningIcon, colour: 'warning', label: 'hearth.instances.status.degraded' },
  down: { Icon: ErrorIcon, colour: 'error', label: 'hearth.instances.status.down' },
  stopped: { Icon: StopCircleIcon, label: 'hearth.instances.status.stopped' },
  failed: { Icon: HighlightOffIcon, colour: 'error', label: 'hearth.instances.status.failed' },
  upgrading: { Icon: AutorenewIcon, colour: 'info', label: 'hearth.instances.status.upgrading' },
};

export const instanceStatusChoices = InstanceStatus.options.map((id) => ({ id, name: INSTANCE_STATUS_LOOK[id].label }));

export const INSTANCE_KIND_LABEL: Record<InstanceKind, string> = {
  prosody: 'hearth.instances.kind.prosody',
  ejabberd: 'hearth.instances.kind.ejabberd',
  synapse: 'hearth.instances.kind.synapse',
};

export const instanceKindChoices = InstanceKind.options.map((id) => ({ id, name: INSTANCE_KIND_LABEL[id] }));

/**
 * Whether the instance is on its way somewhere (being set up, upgraded, started or stopped),
 * so its pages ask for news more often.
 */
export function isInstanceChanging(instance: Pick<Instance, 'status' | 'desiredState'> | undefined): boolean {
  if (!instance) return false;
  if (instance.status === 'provisioning' || instance.status === 'upgrading') return true;
  return instance.desiredState === 'stopped' ? instance.status !== 'stopped' && instance.status !== 'failed' : instance.status === 'stopped';
}

/** 127.0.0.0/8 and ::1: reachable from this host only. */
export function isLoopback(address: string): boolean {
  const trimmed = address.trim().toLowerCase();
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(trimmed) || trimmed === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(trimmed);
}
