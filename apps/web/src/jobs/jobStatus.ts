import AutorenewIcon from '@mui/icons-material/Autorenew';
import BlockIcon from '@mui/icons-material/Block';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import SkipNextIcon from '@mui/icons-material/SkipNext';
import type { SvgIconComponent } from '@mui/icons-material';
import { JobStatus, type Job } from '@hearth/contracts';

type JobStepStatus = Job['steps'][number]['status'];

/** How a status looks; no colour means neutral. */
export interface StatusLook {
  Icon: SvgIconComponent;
  colour?: 'info' | 'success' | 'error' | 'warning';
}

export const jobStatusLabel = (status: Job['status']) => `hearth.jobs.status.${status}`;
export const stepStatusLabel = (status: JobStepStatus) => `hearth.jobs.step_status.${status}`;
export const jobStatusChoices = JobStatus.options.map((id) => ({ id, name: jobStatusLabel(id) }));

/** Queued and running jobs still change, so their pages keep polling. */
export function isJobActive(status: Job['status'] | undefined): boolean {
  return status === 'queued' || status === 'running';
}

export const JOB_STATUS_LOOK: Record<Job['status'], StatusLook> = {
  queued: { Icon: HourglassEmptyIcon },
  running: { Icon: AutorenewIcon, colour: 'info' },
  succeeded: { Icon: CheckCircleIcon, colour: 'success' },
  failed: { Icon: ErrorIcon, colour: 'error' },
  cancelled: { Icon: BlockIcon, colour: 'warning' },
};

export const STEP_STATUS_LOOK: Record<JobStepStatus, StatusLook> = {
  pending: { Icon: RadioButtonUncheckedIcon },
  running: { Icon: AutorenewIcon, colour: 'info' },
  succeeded: { Icon: CheckCircleIcon, colour: 'success' },
  failed: { Icon: ErrorIcon, colour: 'error' },
  skipped: { Icon: SkipNextIcon },
};
