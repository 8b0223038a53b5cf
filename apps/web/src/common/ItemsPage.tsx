import type { ReactNode } from 'react';
import { Card, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ListResponse } from '@hearth/contracts';
import { Title, useTranslate } from 'react-admin';
import { Loaded } from '../moderation/Loaded';

interface ItemsPageProps<T> {
  /** Catalogue keys: the page's title (also the table's name), the line under it, what an empty list says. */
  title: string;
  intro: string;
  none: string;
  /** Beside the intro: adding one, for those who may. */
  actions?: ReactNode;
  /** The API answers the whole list at once. */
  query: UseQueryResult<ListResponse<T>>;
  /** Catalogue keys of the column headings, written out by the caller so the catalogue test finds them. */
  columns: readonly string[];
  /** A last, unnamed column for each row's buttons. */
  rowActions: boolean;
  /** One <TableRow> an item, with a cell a column (and the buttons' cell with `rowActions`). */
  row: (item: T) => ReactNode;
  /** Dialogs the actions open. */
  children?: ReactNode;
}

/**
 * A page of things the console keeps few of (backup targets and keys, retention policies): a title,
 * what they are, the way to add one, and a table of them all.
 */
export function ItemsPage<T>({ title, intro, none, actions, query, columns, rowActions, row, children }: ItemsPageProps<T>) {
  const translate = useTranslate();
  return (
    <Stack spacing={2} sx={{ mt: 2 }}>
      <Title title={title} />
      <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start', justifyContent: 'space-between' }}>
        <Typography variant="body2" color="text.secondary">
          {translate(intro)}
        </Typography>
        {actions}
      </Stack>
      <Loaded query={query}>
        {({ data }) => (
          <Card>
            {data.length === 0 ? (
              <Typography sx={{ p: 2 }}>{translate(none)}</Typography>
            ) : (
              <Table size="small" aria-label={translate(title)}>
                <TableHead>
                  <TableRow>
                    {columns.map((column) => (
                      <TableCell key={column}>{translate(column)}</TableCell>
                    ))}
                    {rowActions && <TableCell />}
                  </TableRow>
                </TableHead>
                <TableBody>{data.map(row)}</TableBody>
              </Table>
            )}
          </Card>
        )}
      </Loaded>
      {children}
    </Stack>
  );
}
