import { Box, Grid, Paper, Stack, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { Labeled, Loading, Title, useGetOne, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { formatDateTime } from '../common/dates';
import { Section } from '../common/Section';
import { BackButton } from './BackButton';
import { Loaded, RequestFailed } from './Loaded';
import { moderationApi, moderationKeys, type ReportWithEvent } from './moderationApi';
import { REPORTS_PATH, roomLabel } from './paths';
import { ResolveReport } from './ResolveReport';

/** What the moderator needs of the reported event, read defensively: it is whatever the server stored. */
function readEvent(event: unknown): { sender?: string; sentAt?: string; body?: string } {
  const found = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  const content = typeof found.content === 'object' && found.content !== null ? (found.content as Record<string, unknown>) : {};
  return {
    sender: typeof found.sender === 'string' ? found.sender : undefined,
    sentAt: typeof found.origin_server_ts === 'number' ? new Date(found.origin_server_ts).toISOString() : undefined,
    body: typeof content.body === 'string' ? content.body : undefined,
  };
}

function Fact({ label, value, monospace = false }: { label: string; value: string; monospace?: boolean }) {
  return (
    <Labeled label={label}>
      <Typography variant="body2" sx={{ wordBreak: 'break-word', ...(monospace && { fontFamily: 'monospace' }) }}>
        {value}
      </Typography>
    </Labeled>
  );
}

/** The reported message as its room saw it: who sent it when, and its text (or, lacking one, the raw event). */
function ReportedMessage({ report }: { report: ReportWithEvent }) {
  const translate = useTranslate();
  const event = readEvent(report.event);
  const sender = event.sender ?? report.sender ?? translate('hearth.moderation.reports.sender_unknown');
  return (
    <Section title="hearth.moderation.report.message">
      <Stack spacing={2}>
        <Fact label="hearth.moderation.reports.fields.room" value={roomLabel({ id: report.roomId, name: report.roomName, alias: null })} />
        <Paper variant="outlined" component="figure" sx={{ m: 0, p: 2 }} aria-label={translate('hearth.moderation.report.message')}>
          <Typography variant="subtitle2" component="figcaption">
            {event.sentAt ? translate('hearth.moderation.report.sent_by_at', { sender, time: formatDateTime(event.sentAt) }) : sender}
          </Typography>
          {event.body !== undefined ? (
            <Typography component="blockquote" data-testid="reported-text" sx={{ m: 0, mt: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {event.body}
            </Typography>
          ) : (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              {translate('hearth.moderation.report.no_text')}
            </Typography>
          )}
        </Paper>
        <Box component="details">
          <Typography component="summary" variant="body2" sx={{ cursor: 'pointer' }}>
            {translate('hearth.moderation.report.event_json')}
          </Typography>
          <Box component="pre" sx={{ fontSize: 12, overflowX: 'auto', bgcolor: 'action.hover', p: 1, borderRadius: 1 }}>
            {JSON.stringify(report.event, null, 2)}
          </Box>
        </Box>
        <Fact label="hearth.moderation.report.room_id" value={report.roomId} monospace />
        <Fact label="hearth.moderation.report.event_id" value={report.eventId} monospace />
      </Stack>
    </Section>
  );
}

function ReportFacts({ instance, report }: { instance: Instance; report: ReportWithEvent }) {
  return (
    <Section title="hearth.moderation.report.details">
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Fact label="hearth.moderation.reports.fields.server" value={instance.name} />
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Fact label="hearth.moderation.reports.fields.received" value={formatDateTime(report.receivedAt)} />
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Fact label="hearth.moderation.reports.fields.reporter" value={report.reporter} />
        </Grid>
        <Grid size={{ xs: 12, sm: 6 }}>
          <Fact label="hearth.moderation.reports.fields.score" value={report.score === null ? '—' : String(report.score)} />
        </Grid>
        <Grid size={12}>
          <Fact label="hearth.moderation.reports.fields.reason" value={report.reason ?? '—'} />
        </Grid>
      </Grid>
    </Section>
  );
}

/** One report: the reported content in its context, who reported it and why, and what to do about it. */
export default function ReportShow() {
  const translate = useTranslate();
  const { instanceId = '', reportId = '' } = useParams<'instanceId' | 'reportId'>();
  const report = useQuery({
    queryKey: moderationKeys.report(instanceId, reportId),
    queryFn: ({ signal }) => moderationApi.report(instanceId, reportId, signal),
    retry: false,
  });
  const { data: instance, error } = useGetOne<Instance>('instances', { id: instanceId }, { retry: false });
  return (
    <Stack spacing={2} sx={{ mt: 1 }}>
      <Title title={translate('hearth.moderation.report.title', { server: instance?.name ?? '' })} />
      <BackButton to={REPORTS_PATH} label="hearth.moderation.reports.title" />
      {error ? (
        <RequestFailed error={error} />
      ) : (
        <Loaded query={report}>
          {(found) =>
            instance ? (
              <Grid container spacing={2}>
                <Grid size={{ xs: 12, md: 7 }}>
                  <ReportedMessage report={found} />
                </Grid>
                <Grid size={{ xs: 12, md: 5 }}>
                  <Stack spacing={2}>
                    <ReportFacts instance={instance} report={found} />
                    <ResolveReport instance={instance} report={found} />
                  </Stack>
                </Grid>
              </Grid>
            ) : (
              <Loading />
            )
          }
        </Loaded>
      )}
    </Stack>
  );
}
