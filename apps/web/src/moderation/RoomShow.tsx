import { useState } from 'react';
import { Box, Button, Card, CardContent, Chip, FormControlLabel, Grid, Stack, Switch, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Instance, Job } from '@hearth/contracts';
import { Labeled, Title, useNotify, useTranslate } from 'react-admin';
import { useNavigate, useParams } from 'react-router';
import { useCan } from '../access';
import { ReasonDialog } from '../common/ReasonDialog';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { JobFollower } from '../jobs/JobFollower';
import { BackButton } from './BackButton';
import { Loaded } from './Loaded';
import { moderationApi, moderationKeys, type RoomWithMembers } from './moderationApi';
import { isLocalUser, roomLabel, roomsPath } from './paths';
import { RoomActions, type RoomJob } from './RoomActions';
import { RoomsOfInstance } from './RoomsOfInstance';

const JOB_TITLE: Record<RoomJob['kind'], string> = {
  purge: 'hearth.moderation.room.purge.running',
  delete: 'hearth.moderation.room.delete.running',
};

function Fact({ label, children }: { label: string; children: string }) {
  return (
    <Labeled label={label}>
      <Typography variant="body2" sx={{ wordBreak: 'break-word' }}>
        {children}
      </Typography>
    </Labeled>
  );
}

/** Blocking keeps the server's own accounts from joining; both ways are confirmed, with a reason for the audit log. */
function BlockedSwitch({ instance, room }: { instance: Instance; room: RoomWithMembers }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const mayManage = useCan('moderation.manage');
  const { pending, run } = useRequest();
  const [confirming, setConfirming] = useState(false);
  const block = !room.blocked;
  const args = { room: roomLabel(room), server: instance.name };
  return (
    <>
      <FormControlLabel
        control={<Switch checked={room.blocked} disabled={!mayManage || pending} onChange={() => setConfirming(true)} />}
        label={translate('hearth.moderation.room.blocked')}
      />
      <ReasonDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={block ? 'hearth.moderation.room.block.title' : 'hearth.moderation.room.unblock.title'}
        content={block ? 'hearth.moderation.room.block.content' : 'hearth.moderation.room.unblock.content'}
        submitLabel={block ? 'hearth.moderation.room.block.submit' : 'hearth.moderation.room.unblock.submit'}
        messageArgs={args}
        destructive={block}
        pending={pending}
        onConfirm={({ reason }) =>
          run(
            () => moderationApi.setRoomBlocked(instance.id, room.id, block, reason || undefined),
            (updated) => {
              setConfirming(false);
              queryClient.setQueryData(moderationKeys.room(instance.id, room.id), updated);
              notify(block ? 'hearth.moderation.room.block.done' : 'hearth.moderation.room.unblock.done', { type: 'info', messageArgs: args });
            },
          )
        }
      />
    </>
  );
}

function RoomOverview({ instance, room }: { instance: Instance; room: RoomWithMembers }) {
  const translate = useTranslate();
  const yesNo = (value: boolean) => translate(value ? 'ra.message.yes' : 'ra.message.no');
  return (
    <Section title="hearth.moderation.room.overview">
      <Stack spacing={2}>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
          <Chip
            data-testid="room-blocked"
            color={room.blocked ? 'warning' : 'success'}
            label={translate(room.blocked ? 'hearth.moderation.room.state_blocked' : 'hearth.moderation.room.state_open')}
          />
          <BlockedSwitch instance={instance} room={room} />
        </Box>
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.rooms.fields.name">{room.name ?? '—'}</Fact>
          </Grid>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.room.alias">{room.alias ?? '—'}</Fact>
          </Grid>
          <Grid size={12}>
            <Labeled label="hearth.moderation.room.id">
              <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
                {room.id}
              </Typography>
            </Labeled>
          </Grid>
          <Grid size={12}>
            <Fact label="hearth.moderation.room.topic">{room.topic ?? '—'}</Fact>
          </Grid>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.rooms.fields.creator">{room.creator ?? '—'}</Fact>
          </Grid>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.rooms.fields.members">
              {translate('hearth.moderation.room.member_count', { smart_count: room.members, local: room.localMembers })}
            </Fact>
          </Grid>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.rooms.public">{yesNo(room.public)}</Fact>
          </Grid>
          <Grid size={{ xs: 12, sm: 6 }}>
            <Fact label="hearth.moderation.rooms.encrypted">{yesNo(room.encrypted)}</Fact>
          </Grid>
        </Grid>
      </Stack>
    </Section>
  );
}

/** Who is in the room, the server's own accounts marked (only they can be made room admin). */
function RoomMembers({ instance, room }: { instance: Instance; room: RoomWithMembers }) {
  const translate = useTranslate();
  return (
    <Section title="hearth.moderation.room.members">
      {room.memberIds.length === 0 ? (
        <Typography>{translate('hearth.moderation.room.no_members')}</Typography>
      ) : (
        <Table size="small" aria-label={translate('hearth.moderation.room.members')}>
          <TableBody>
            {room.memberIds.map((member) => (
              <TableRow key={member}>
                <TableCell sx={{ wordBreak: 'break-all' }}>{member}</TableCell>
                <TableCell align="right">
                  {isLocalUser(member, instance.domain) && (
                    <Chip size="small" variant="outlined" label={translate('hearth.moderation.room.local', { server: instance.name })} />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Section>
  );
}

/** A purge or deletion under way, followed to its end; a deleted room's page then leaves for the list. */
function RunningJob({ instance, room, job, onDismiss }: { instance: Instance; room: RoomWithMembers; job: RoomJob; onDismiss: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [finished, setFinished] = useState(false);
  const args = { room: roomLabel(room) };
  const onFinished = ({ status }: Job) => {
    setFinished(true);
    if (status === 'succeeded' && job.kind === 'delete') {
      notify('hearth.moderation.room.delete.done', { type: 'info', messageArgs: args });
      navigate(roomsPath(instance.id));
    }
    void queryClient.invalidateQueries({ queryKey: moderationKeys.all });
  };
  return (
    <Card>
      <CardContent>
        <JobFollower jobId={job.jobId} title={JOB_TITLE[job.kind]} titleArgs={args} onFinished={onFinished} />
        {finished && (
          <Button onClick={onDismiss} sx={{ mt: 1 }}>
            {translate('hearth.instances.operation.dismiss')}
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

function Room({ instance, roomId }: { instance: Instance; roomId: string }) {
  const translate = useTranslate();
  const [job, setJob] = useState<RoomJob>();
  const room = useQuery({
    queryKey: moderationKeys.room(instance.id, roomId),
    queryFn: ({ signal }) => moderationApi.room(instance.id, roomId, signal),
    // A deleted room is gone; asking again would not bring it back.
    retry: false,
    enabled: job?.kind !== 'delete',
  });
  return (
    <>
      <BackButton to={roomsPath(instance.id)} label={translate('hearth.moderation.rooms.title', { name: instance.name })} />
      <Loaded query={room}>
        {(found) => (
          <>
            <Title title={translate('hearth.moderation.room.title', { room: roomLabel(found) })} />
            <RoomActions instance={instance} room={found} busy={job !== undefined} onStarted={setJob} />
            {job && <RunningJob instance={instance} room={found} job={job} onDismiss={() => setJob(undefined)} />}
            <Grid container spacing={2}>
              <Grid size={{ xs: 12, lg: 7 }}>
                <RoomOverview instance={instance} room={found} />
              </Grid>
              <Grid size={{ xs: 12, lg: 5 }}>
                <RoomMembers instance={instance} room={found} />
              </Grid>
            </Grid>
          </>
        )}
      </Loaded>
    </>
  );
}

/** One room of a server: what it is, who is in it, blocked or not, and what a moderator can do to it. */
export default function RoomShow() {
  const { roomId = '' } = useParams<'roomId'>();
  return <RoomsOfInstance>{(instance) => <Room instance={instance} roomId={roomId} />}</RoomsOfInstance>;
}
