import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import DeleteIcon from '@mui/icons-material/Delete';
import DoneIcon from '@mui/icons-material/Done';
import LockIcon from '@mui/icons-material/Lock';
import { Box, Stack, TextField, Typography } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { Confirm, useNotify, useTranslate } from 'react-admin';
import { useNavigate } from 'react-router';
import { useCan } from '../access';
import { GatedButton } from '../accounts/GatedButton';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { moderationApi, moderationKeys, type ReportWithEvent, type ResolveAction } from './moderationApi';
import { REPORTS_PATH, isLocalUser, roomLabel } from './paths';

interface ActionText {
  label: string;
  Icon: typeof DoneIcon;
  done: string;
  /** What a destructive action asks before it runs. */
  confirm?: { title: string; content: string };
}

const ACTIONS: Record<ResolveAction, ActionText> = {
  dismiss: { label: 'hearth.moderation.resolve.dismiss', Icon: DoneIcon, done: 'hearth.moderation.resolve.dismissed' },
  'delete-event': {
    label: 'hearth.moderation.resolve.delete_event',
    Icon: DeleteIcon,
    done: 'hearth.moderation.resolve.event_deleted',
    confirm: { title: 'hearth.moderation.resolve.delete_event_title', content: 'hearth.moderation.resolve.delete_event_content' },
  },
  'deactivate-user': {
    label: 'hearth.moderation.resolve.deactivate_user',
    Icon: LockIcon,
    done: 'hearth.moderation.resolve.user_deactivated',
    confirm: { title: 'hearth.moderation.resolve.deactivate_user_title', content: 'hearth.moderation.resolve.deactivate_user_content' },
  },
  'block-room': {
    label: 'hearth.moderation.resolve.block_room',
    Icon: BlockIcon,
    done: 'hearth.moderation.resolve.room_blocked',
    confirm: { title: 'hearth.moderation.resolve.block_room_title', content: 'hearth.moderation.resolve.block_room_content' },
  },
};

/**
 * The moderator's answer to a report, with a reason for the audit log (and, for a deleted message,
 * for its room). Dismissing is harmless; the other actions are confirmed first. The report closes
 * only if the action worked, and the page goes back to the queue.
 */
export function ResolveReport({ instance, report }: { instance: Instance; report: ReportWithEvent }) {
  const translate = useTranslate();
  const notify = useNotify();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const mayManage = useCan('moderation.manage');
  const { pending, run } = useRequest();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<ResolveAction>();
  if (!mayManage) return null;

  const args = {
    sender: report.sender ?? translate('hearth.moderation.reports.sender_unknown'),
    room: roomLabel({ id: report.roomId, name: report.roomName, alias: null }),
    server: instance.name,
  };
  const resolve = (action: ResolveAction) =>
    run(
      () => moderationApi.resolveReport(instance.id, report.id, action, reason.trim() || undefined),
      () => {
        setConfirming(undefined);
        notify(ACTIONS[action].done, { type: 'info', messageArgs: args });
        navigate(REPORTS_PATH);
        void queryClient.invalidateQueries({ queryKey: moderationKeys.openReports() });
      },
    );
  // Only the server's own accounts can be locked; a sender from elsewhere is kept out by blocking the room.
  const notLocal = isLocalUser(report.sender, instance.domain) ? undefined : translate('hearth.moderation.resolve.sender_not_local', args);
  const confirm = confirming && ACTIONS[confirming].confirm;
  return (
    <Section title="hearth.moderation.resolve.title">
      <Stack spacing={2}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.moderation.resolve.intro')}
        </Typography>
        <TextField
          label={translate('hearth.common.reason')}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          multiline
          slotProps={{ htmlInput: { maxLength: 500 } }}
        />
        <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
          {(Object.keys(ACTIONS) as ResolveAction[]).map((action) => {
            const { label, Icon, confirm: asks } = ACTIONS[action];
            return (
              <GatedButton
                key={action}
                label={label}
                icon={<Icon />}
                variant={asks ? 'outlined' : 'contained'}
                color={asks ? 'error' : 'primary'}
                disabled={pending}
                unsupported={action === 'deactivate-user' ? notLocal : undefined}
                onClick={() => (asks ? setConfirming(action) : resolve(action))}
              />
            );
          })}
        </Box>
      </Stack>
      {confirming && confirm && (
        <Confirm
          isOpen
          loading={pending}
          title={confirm.title}
          content={confirm.content}
          confirm={ACTIONS[confirming].label}
          confirmColor="warning"
          translateOptions={args}
          onConfirm={() => resolve(confirming)}
          onClose={() => setConfirming(undefined)}
        />
      )}
    </Section>
  );
}
