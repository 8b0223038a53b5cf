import { type ReactNode, useState } from 'react';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettings';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import HistoryIcon from '@mui/icons-material/History';
import { Checkbox, FormControlLabel, MenuItem, TextField } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { Button, TopToolbar, useNotify, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { localDateTimeToIso } from '../common/dates';
import { type ConfirmedValues, ReasonDialog } from '../common/ReasonDialog';
import { useRequest } from '../common/useRequest';
import { moderationApi, moderationKeys, type RoomWithMembers } from './moderationApi';
import { isLocalUser, localPart, roomLabel } from './paths';

/** Purging and deleting run in Synapse's background, as jobs the room page follows. */
export interface RoomJob {
  kind: 'purge' | 'delete';
  jobId: string;
}

type Dialog = 'make-admin' | 'purge' | 'delete';

const BUTTONS: Record<Dialog, { label: string; Icon: typeof HistoryIcon }> = {
  'make-admin': { label: 'hearth.moderation.room.make_admin.button', Icon: AdminPanelSettingsIcon },
  purge: { label: 'hearth.moderation.room.purge.button', Icon: HistoryIcon },
  delete: { label: 'hearth.moderation.room.delete.button', Icon: DeleteForeverIcon },
};

const DIALOG_TEXT: Record<Dialog, { title: string; content: string; submitLabel: string }> = {
  'make-admin': {
    title: 'hearth.moderation.room.make_admin.title',
    content: 'hearth.moderation.room.make_admin.content',
    submitLabel: 'hearth.moderation.room.make_admin.submit',
  },
  purge: {
    title: 'hearth.moderation.room.purge.title',
    content: 'hearth.moderation.room.purge.content',
    submitLabel: 'hearth.moderation.room.purge.submit',
  },
  delete: {
    title: 'hearth.moderation.room.delete.title',
    content: 'hearth.moderation.room.delete.content',
    submitLabel: 'hearth.moderation.room.delete.submit',
  },
};

/** Now, to the second (so what was said a moment ago is included), as a datetime-local input writes it in the reader's time zone. */
function localNow(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

interface RoomActionsProps {
  instance: Instance;
  room: RoomWithMembers;
  /** A purge or deletion started here is still being followed. */
  busy: boolean;
  onStarted: (job: RoomJob) => void;
}

/**
 * Make a local member room admin, purge history, delete the room: for moderators. The two that
 * destroy messages are confirmed by typing the room id, as the API insists too.
 */
export function RoomActions({ instance, room, busy, onStarted }: RoomActionsProps) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const mayManage = useCan('moderation.manage');
  const { pending, run } = useRequest();
  const [dialog, setDialog] = useState<Dialog>();
  const [member, setMember] = useState('');
  const [before, setBefore] = useState('');
  const [block, setBlock] = useState(true);
  if (!mayManage) return null;

  const localMembers = room.memberIds.filter((id) => isLocalUser(id, instance.domain)).map((id) => localPart(id, instance.domain));
  const args = { room: roomLabel(room), id: room.id, server: instance.name, username: member };
  const open = (next: Dialog) => {
    setMember(localMembers[0] ?? '');
    setBefore(localNow());
    setBlock(true);
    setDialog(next);
  };
  const close = () => setDialog(undefined);
  const started = (kind: RoomJob['kind']) => ({ jobId }: { jobId: string }) => {
    close();
    onStarted({ kind, jobId });
  };
  const beforeIso = localDateTimeToIso(before);
  const beforeValid = beforeIso !== null && Date.parse(beforeIso) <= Date.now();
  const typeToConfirm = { label: 'hearth.moderation.room.id_to_confirm', expected: room.id };

  const dialogs: Record<Dialog, { fields: ReactNode; ready?: boolean; typeToConfirm?: typeof typeToConfirm; confirm: (values: ConfirmedValues) => void }> = {
    'make-admin': {
      ready: member !== '',
      fields: (
        <TextField select label={translate('hearth.moderation.room.make_admin.member', args)} value={member} onChange={(event) => setMember(event.target.value)}>
          {localMembers.map((username) => (
            <MenuItem key={username} value={username}>
              {username}
            </MenuItem>
          ))}
        </TextField>
      ),
      confirm: ({ reason }) =>
        run(
          () => moderationApi.makeRoomAdmin(instance.id, room.id, member, reason || undefined),
          (updated) => {
            close();
            queryClient.setQueryData(moderationKeys.room(instance.id, room.id), updated);
            notify('hearth.moderation.room.make_admin.done', { type: 'info', messageArgs: args });
          },
        ),
    },
    purge: {
      ready: beforeValid,
      typeToConfirm,
      fields: (
        <TextField
          type="datetime-local"
          label={translate('hearth.moderation.room.purge.before')}
          value={before}
          onChange={(event) => setBefore(event.target.value)}
          error={!beforeValid}
          helperText={translate(beforeValid ? 'hearth.moderation.room.purge.before_help' : 'hearth.moderation.room.purge.before_invalid')}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: localNow(), step: 1 } }}
        />
      ),
      confirm: ({ confirmation, reason }) =>
        beforeIso !== null &&
        run(
          () => moderationApi.purgeRoomHistory(instance.id, room.id, { before: beforeIso, confirm: confirmation, reason: reason || undefined }),
          started('purge'),
        ),
    },
    delete: {
      typeToConfirm,
      fields: (
        <FormControlLabel
          control={<Checkbox checked={block} onChange={(event) => setBlock(event.target.checked)} />}
          label={translate('hearth.moderation.room.delete.block')}
        />
      ),
      confirm: ({ confirmation, reason }) =>
        run(() => moderationApi.deleteRoom(instance.id, room.id, confirmation, block, reason || undefined), started('delete')),
    },
  };
  const shown = dialog && dialogs[dialog];

  return (
    <TopToolbar>
      {(Object.keys(BUTTONS) as Dialog[]).map((name) => {
        const { label, Icon } = BUTTONS[name];
        return (
          <Button
            key={name}
            label={label}
            color={name === 'delete' ? 'error' : 'primary'}
            onClick={() => open(name)}
            disabled={busy || (name === 'make-admin' && localMembers.length === 0)}
          >
            <Icon />
          </Button>
        );
      })}
      {dialog && shown && (
        <ReasonDialog
          open
          onClose={close}
          {...DIALOG_TEXT[dialog]}
          messageArgs={args}
          typeToConfirm={shown.typeToConfirm}
          ready={shown.ready}
          pending={pending}
          onConfirm={shown.confirm}
        >
          {shown.fields}
        </ReasonDialog>
      )}
    </TopToolbar>
  );
}
