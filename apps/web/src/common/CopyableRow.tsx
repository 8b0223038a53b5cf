import { TableCell, TableRow } from '@mui/material';
import { CopyButton } from './CopyButton';

/** A table row of a labelled address (an endpoint, an account's server) with a button copying it. */
export function CopyableRow({ label, value }: { label: string; value: string }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ fontWeight: 500, whiteSpace: 'nowrap' }}>
        {label}
      </TableCell>
      <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'break-word' }}>{value}</TableCell>
      <TableCell align="right" sx={{ width: 1 }}>
        <CopyButton text={value} />
      </TableCell>
    </TableRow>
  );
}
