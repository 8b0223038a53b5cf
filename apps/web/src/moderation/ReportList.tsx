import { Alert, AlertTitle, Box, Card, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Title, useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { LinkRow } from './LinkRow';
import { Loaded } from './Loaded';
import { moderationApi, moderationKeys, type OpenReport, type OpenReports } from './moderationApi';
import { reportPath, roomLabel } from './paths';

/** New reports come in while a moderator works through the queue. */
const POLL_MS = 30_000;

// Written out so the catalogue test finds every key.
const COLUMNS = [
  'hearth.moderation.reports.fields.received',
  'hearth.moderation.reports.fields.server',
  'hearth.moderation.reports.fields.room',
  'hearth.moderation.reports.fields.sender',
  'hearth.moderation.reports.fields.reporter',
  'hearth.moderation.reports.fields.reason',
  'hearth.moderation.reports.fields.score',
];

/** Servers whose reports could not be read just now, by name, so none is silently missing from the queue. */
function UnavailableServers({ servers }: { servers: OpenReports['unavailable'] }) {
  const translate = useTranslate();
  if (servers.length === 0) return null;
  return (
    <Alert severity="warning" role="note" data-testid="reports-unavailable">
      <AlertTitle>{translate('hearth.moderation.reports.unavailable', { smart_count: servers.length })}</AlertTitle>
      <Box component="ul" sx={{ m: 0, pl: 2 }}>
        {servers.map((server) => (
          <li key={server.instanceId}>
            <strong>{server.instanceName}</strong>: {server.message}
          </li>
        ))}
      </Box>
    </Alert>
  );
}

function ReportRow({ report }: { report: OpenReport }) {
  const translate = useTranslate();
  return (
    <LinkRow to={reportPath(report.instanceId, report.id)} label={formatDateTime(report.receivedAt)}>
      <TableCell>{report.instanceName}</TableCell>
      <TableCell>{roomLabel({ id: report.roomId, name: report.roomName, alias: null })}</TableCell>
      <TableCell>{report.sender ?? translate('hearth.moderation.reports.sender_unknown')}</TableCell>
      <TableCell>{report.reporter}</TableCell>
      <TableCell>{report.reason ?? '—'}</TableCell>
      <TableCell align="right">{report.score ?? '—'}</TableCell>
    </LinkRow>
  );
}

/** The open reports of every server, newest first: the moderators' queue. */
export default function ReportList() {
  const translate = useTranslate();
  const reports = useQuery({
    queryKey: moderationKeys.openReports(),
    queryFn: ({ signal }) => moderationApi.openReports(signal),
    refetchInterval: POLL_MS,
    placeholderData: keepPreviousData,
  });
  return (
    <Stack spacing={2} sx={{ mt: 2 }}>
      <Title title="hearth.moderation.reports.title" />
      <Typography variant="body2" color="text.secondary">
        {translate('hearth.moderation.reports.intro')}
      </Typography>
      <Loaded query={reports}>
        {({ data, unavailable }) => (
          <>
            <UnavailableServers servers={unavailable} />
            <Card>
              {data.length === 0 ? (
                <Typography sx={{ p: 2 }}>
                  {translate(unavailable.length > 0 ? 'hearth.moderation.reports.none_answered' : 'hearth.moderation.reports.none')}
                </Typography>
              ) : (
                <Table size="small" aria-label={translate('hearth.moderation.reports.title')}>
                  <TableHead>
                    <TableRow>
                      {COLUMNS.map((column) => (
                        <TableCell key={column} align={column.endsWith('.score') ? 'right' : 'left'}>
                          {translate(column)}
                        </TableCell>
                      ))}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {data.map((report) => (
                      <ReportRow key={`${report.instanceId}/${report.id}`} report={report} />
                    ))}
                  </TableBody>
                </Table>
              )}
            </Card>
          </>
        )}
      </Loaded>
    </Stack>
  );
}
