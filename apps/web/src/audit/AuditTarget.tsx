import type { AuditEvent } from '@hearth/contracts';
import { useRecordContext } from 'react-admin';

/** "operator 3f2a…": what an event acted on, or a dash for events without a target. */
export function AuditTarget() {
  const event = useRecordContext<AuditEvent>();
  if (!event?.targetType) return <>—</>;
  return <>{event.targetId ? `${event.targetType} ${event.targetId}` : event.targetType}</>;
}
