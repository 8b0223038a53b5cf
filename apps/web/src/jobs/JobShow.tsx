import type { Job } from '@hearth/contracts';
import { DateField, Labeled, NumberField, Show, SimpleShowLayout, TextField, useRecordContext } from 'react-admin';
import { JobActions } from './JobActions';
import { JobProgress } from './JobProgress';
import { JobStatusChip } from './JobStatusChip';
import { JobSteps } from './JobSteps';
import { isJobActive } from './jobStatus';

const POLL_MS = 2_000;

function JobDetails() {
  const job = useRecordContext<Job>();
  return (
    <SimpleShowLayout>
      <TextField source="type" />
      <Labeled source="status">
        <JobStatusChip />
      </Labeled>
      <Labeled source="progress">
        <JobProgress />
      </Labeled>
      {job?.error && <TextField source="error" sx={{ color: 'error.main' }} />}
      <Labeled source="steps">
        <JobSteps />
      </Labeled>
      <NumberField source="attempts" />
      <TextField source="targetType" emptyText="—" />
      <TextField source="targetId" emptyText="—" />
      <DateField source="createdAt" showTime />
      <DateField source="startedAt" showTime emptyText="—" />
      <DateField source="finishedAt" showTime emptyText="—" />
    </SimpleShowLayout>
  );
}

export default function JobShow() {
  return (
    <Show
      actions={<JobActions />}
      queryOptions={{
        refetchInterval: (query: { state: { data?: Job } }) => (isJobActive(query.state.data?.status) ? POLL_MS : false),
      }}
    >
      <JobDetails />
    </Show>
  );
}
