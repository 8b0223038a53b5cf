import type { MouseEvent, ReactNode } from 'react';
import { TableCell, TableRow, Typography } from '@mui/material';
import { Link } from 'react-admin';
import { useNavigate } from 'react-router';

interface LinkRowProps {
  to: string;
  /** The first cell's text, a link to `to`. */
  label: string;
  /** A second line under it. */
  detail?: string | null;
  /** The other cells. */
  children: ReactNode;
}

/** A table row that opens `to`: the whole row for the mouse, the link in its first cell for the keyboard. */
export function LinkRow({ to, label, detail, children }: LinkRowProps) {
  const navigate = useNavigate();
  return (
    <TableRow hover onClick={() => navigate(to)} sx={{ cursor: 'pointer' }}>
      <TableCell>
        <Link to={to} onClick={(event: MouseEvent) => event.stopPropagation()}>
          {label}
        </Link>
        {detail && (
          <Typography variant="body2" color="text.secondary">
            {detail}
          </Typography>
        )}
      </TableCell>
      {children}
    </TableRow>
  );
}
