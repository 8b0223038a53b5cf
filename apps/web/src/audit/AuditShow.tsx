import type { AuditEvent } from '@hearth/contracts';
import { Box } from '@mui/material';
import { DateField, Labeled, NumberField, SelectField, Show, SimpleShowLayout, TextField, useRecordContext } from 'react-admin';
import { actorKindChoices, resultChoices } from './auditChoices';

/** The request details the API kept, secrets already removed server-side. */
function AuditDetail() {
  const event = useRecordContext<AuditEvent>();
  if (event?.detail == null) return <>—</>;
  return (
    <Box component="pre" sx={{ m: 0, p: 1, bgcolor: 'action.hover', borderRadius: 1, overflowX: 'auto', fontSize: 13 }}>
      {JSON.stringify(event.detail, null, 2)}
    </Box>
  );
}

export default function AuditShow() {
  return (
    <Show actions={false}>
      <SimpleShowLayout>
        <DateField source="at" showTime />
        <TextField source="action" />
        <SelectField source="result" choices={resultChoices} />
        <NumberField source="statusCode" emptyText="—" />
        <SelectField source="actorKind" choices={actorKindChoices} />
        <TextField source="actorEmail" emptyText="—" />
        <TextField source="actorId" emptyText="—" />
        <TextField source="targetType" emptyText="—" />
        <TextField source="targetId" emptyText="—" />
        <TextField source="reason" emptyText="—" />
        <Labeled source="detail">
          <AuditDetail />
        </Labeled>
      </SimpleShowLayout>
    </Show>
  );
}
