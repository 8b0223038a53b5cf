import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import type { Backup, Instance } from '@hearth/contracts';
import { Link, RecordContextProvider, useTranslate } from 'react-admin';
import { formatDateTime } from '../../common/dates';
import { LinkRow } from '../../moderation/LinkRow';
import { BackupSize } from '../BackupFields';
import { BackupStatusChip } from '../BackupStatusChip';

// Written out so the catalogue test finds every key.
const COLUMNS = ['hearth.backups.card.started', 'hearth.backups.card.status', 'hearth.backups.card.size', 'hearth.backups.card.target'];

/** The instance's latest backups, newest first, each opening its page. */
export function LatestBackups({ instance, backups }: { instance: Instance; backups: Backup[] }) {
  const translate = useTranslate();
  if (backups.length === 0) return <Typography variant="body2">{translate('hearth.backups.card.none')}</Typography>;
  return (
    <Box>
      <Table size="small" aria-label={translate('hearth.backups.card.latest', { name: instance.name })}>
        <TableHead>
          <TableRow>
            {COLUMNS.map((column) => (
              <TableCell key={column}>{translate(column)}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {backups.map((backup) => (
            <RecordContextProvider key={backup.id} value={backup}>
              <LinkRow to={`/backups/${backup.id}/show`} label={formatDateTime(backup.startedAt)}>
                <TableCell>
                  <BackupStatusChip />
                </TableCell>
                <TableCell>
                  <BackupSize />
                </TableCell>
                <TableCell>{backup.targetName}</TableCell>
              </LinkRow>
            </RecordContextProvider>
          ))}
        </TableBody>
      </Table>
      <Link to={`/backups?filter=${encodeURIComponent(JSON.stringify({ q: instance.name }))}`} variant="body2" sx={{ display: 'inline-block', mt: 1 }}>
        {translate('hearth.backups.card.all', { name: instance.name })}
      </Link>
    </Box>
  );
}
