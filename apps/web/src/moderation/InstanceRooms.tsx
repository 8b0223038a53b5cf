import { useEffect, useState } from 'react';
import LockIcon from '@mui/icons-material/Lock';
import PublicIcon from '@mui/icons-material/Public';
import SearchIcon from '@mui/icons-material/Search';
import {
  Card,
  InputAdornment,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TablePagination,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { Title, useTranslate } from 'react-admin';
import { BackButton } from './BackButton';
import { LinkRow } from './LinkRow';
import { Loaded } from './Loaded';
import { moderationApi, moderationKeys, type RoomSummary } from './moderationApi';
import { roomLabel, roomPath } from './paths';
import { RoomsOfInstance } from './RoomsOfInstance';

const PER_PAGE_CHOICES = [10, 25, 50];
/** The search asks the server once typing pauses, not at every key. */
const SEARCH_DELAY_MS = 300;

function useDebounced(value: string): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

// Written out so the catalogue test finds every key.
const COLUMNS = [
  { label: 'hearth.moderation.rooms.fields.name' },
  { label: 'hearth.moderation.rooms.fields.members', numeric: true },
  { label: 'hearth.moderation.rooms.fields.localMembers', numeric: true },
  { label: 'hearth.moderation.rooms.fields.kind' },
  { label: 'hearth.moderation.rooms.fields.creator' },
];

const PAGE_BUTTONS = {
  first: 'ra.navigation.first',
  last: 'ra.navigation.last',
  next: 'ra.navigation.next',
  previous: 'ra.navigation.previous',
} as const;

/** Public and encrypted rooms marked by icons, each with its meaning in words. */
function RoomMarks({ room }: { room: RoomSummary }) {
  const translate = useTranslate();
  const marks = [
    room.public && { key: 'public', label: translate('hearth.moderation.rooms.public'), Icon: PublicIcon },
    room.encrypted && { key: 'encrypted', label: translate('hearth.moderation.rooms.encrypted'), Icon: LockIcon },
  ].filter((mark) => mark !== false);
  return (
    <>
      {marks.map(({ key, label, Icon }) => (
        <Tooltip key={key} title={label}>
          <Icon fontSize="small" aria-label={label} role="img" sx={{ mr: 0.5, verticalAlign: 'middle' }} />
        </Tooltip>
      ))}
    </>
  );
}

function RoomRow({ instance, room }: { instance: Instance; room: RoomSummary }) {
  return (
    <LinkRow to={roomPath(instance.id, room.id)} label={roomLabel(room)} detail={room.name && room.alias}>
      <TableCell align="right">{room.members}</TableCell>
      <TableCell align="right">{room.localMembers}</TableCell>
      <TableCell>
        <RoomMarks room={room} />
      </TableCell>
      <TableCell>{room.creator ?? '—'}</TableCell>
    </LinkRow>
  );
}

/** The server's rooms, most members first, searched and paged by the server. */
function RoomList({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const [page, setPage] = useState(0);
  const [perPage, setPerPage] = useState(25);
  useEffect(() => setPage(0), [q]);
  const query = { q: q || undefined, page: page + 1, perPage };
  const rooms = useQuery({
    queryKey: moderationKeys.rooms(instance.id, query),
    queryFn: ({ signal }) => moderationApi.rooms(instance.id, query, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <TextField
        size="small"
        label={translate('ra.action.search')}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
        helperText={translate('hearth.moderation.rooms.search_help')}
        sx={{ maxWidth: 420 }}
        slotProps={{ input: { endAdornment: <InputAdornment position="end"><SearchIcon /></InputAdornment> } }}
      />
      <Loaded query={rooms}>
        {({ data, total }) => (
          <Card>
            {total === 0 ? (
              <Typography sx={{ p: 2 }}>{translate(q ? 'hearth.moderation.rooms.none_found' : 'hearth.moderation.rooms.none')}</Typography>
            ) : (
              <>
                <Table size="small" aria-label={translate('hearth.moderation.rooms.table', { name: instance.name })}>
                  <TableHead>
                    <TableRow>
                      {COLUMNS.map(({ label, numeric }) => (
                        <TableCell key={label} align={numeric ? 'right' : 'left'}>
                          {translate(label)}
                        </TableCell>
                      ))}
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {data.map((room) => (
                      <RoomRow key={room.id} instance={instance} room={room} />
                    ))}
                  </TableBody>
                </Table>
                <TablePagination
                  component="div"
                  count={total}
                  page={page}
                  rowsPerPage={perPage}
                  rowsPerPageOptions={PER_PAGE_CHOICES}
                  onPageChange={(_, next) => setPage(next)}
                  onRowsPerPageChange={(event) => {
                    setPerPage(Number(event.target.value));
                    setPage(0);
                  }}
                  labelRowsPerPage={translate('ra.navigation.page_rows_per_page')}
                  labelDisplayedRows={({ from, to, count }) =>
                    translate('ra.navigation.page_range_info', { offsetBegin: from, offsetEnd: to, total: count })
                  }
                  getItemAriaLabel={(type) => translate(PAGE_BUTTONS[type])}
                />
              </>
            )}
          </Card>
        )}
      </Loaded>
    </>
  );
}

export default function InstanceRooms() {
  const translate = useTranslate();
  return (
    <RoomsOfInstance>
      {(instance) => (
        <>
          <Title title={translate('hearth.moderation.rooms.title', { name: instance.name })} />
          <BackButton to={`/instances/${encodeURIComponent(instance.id)}/show`} label={instance.name} />
          <RoomList instance={instance} />
        </>
      )}
    </RoomsOfInstance>
  );
}
