import { Chip, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from '@mui/material';
import type { PrivacyReport, PrivacyReportRow } from '@hearth/contracts';
import { useTranslate } from 'react-admin';

// Written out so the catalogue test finds every key; the widths leave the most room to what each reveals.
const COLUMNS = [
  { label: 'hearth.privacy.report.what', width: '40%' },
  { label: 'hearth.privacy.report.wanted', width: '15%' },
  { label: 'hearth.privacy.report.actual', width: '33%' },
  { label: 'hearth.privacy.report.status', width: '12%' },
];

export const KNOB_STATUS_LOOK: Record<PrivacyReportRow['status'], { label: string; colour: 'success' | 'error' | 'default' }> = {
  ok: { label: 'hearth.privacy.status.ok', colour: 'success' },
  drift: { label: 'hearth.privacy.status.drift', colour: 'error' },
  unsupported: { label: 'hearth.privacy.status.unsupported', colour: 'default' },
};

function ReportRow({ row }: { row: PrivacyReportRow }) {
  const translate = useTranslate();
  const look = KNOB_STATUS_LOOK[row.status];
  return (
    <TableRow data-testid={`privacy-row-${row.knob}`} data-status={row.status}>
      <TableCell sx={{ verticalAlign: 'top' }}>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>
          {row.label}
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="privacy-reveals">
          {row.reveals}
        </Typography>
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>{row.wanted}</TableCell>
      <TableCell sx={{ verticalAlign: 'top' }}>
        {row.actual ?? '—'}
        {/* Where it was read is in the chip's tooltip; why it is drift or unsupported is said here too. */}
        {row.status !== 'ok' && (
          <Typography variant="body2" color={row.status === 'drift' ? 'error' : 'text.secondary'} sx={{ mt: 0.5, wordBreak: 'break-word' }} data-testid="privacy-detail">
            {row.detail}
          </Typography>
        )}
      </TableCell>
      <TableCell sx={{ verticalAlign: 'top', whiteSpace: 'nowrap' }}>
        <Tooltip title={row.detail} describeChild>
          <Chip size="small" label={translate(look.label)} color={look.colour} data-testid="privacy-status" tabIndex={0} />
        </Tooltip>
      </TableCell>
    </TableRow>
  );
}

/**
 * The privacy report: for every knob what the policy wants, what the running server does (read back
 * from it), whether they agree, and what keeping it reveals, in the words of the API.
 */
export function PrivacyReportTable({ report }: { report: PrivacyReport }) {
  const translate = useTranslate();
  return (
    <Table size="small" aria-label={translate('hearth.privacy.report.title', { name: report.instanceName })}>
      <TableHead>
        <TableRow>
          {COLUMNS.map((column) => (
            <TableCell key={column.label} sx={{ width: column.width }}>
              {translate(column.label)}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {report.rows.map((row) => (
          <ReportRow key={row.knob} row={row} />
        ))}
      </TableBody>
    </Table>
  );
}
