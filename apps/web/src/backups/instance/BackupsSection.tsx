import { useState } from 'react';
import AddIcon from '@mui/icons-material/Add';
import BackupIcon from '@mui/icons-material/Backup';
import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { BackupRecipient, BackupSchedule, BackupTarget, Instance } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { useCan } from '../../access';
import { Section } from '../../common/Section';
import { JobFollower } from '../../jobs/JobFollower';
import { Loaded } from '../../moderation/Loaded';
import { backupKeys, backupsApi } from '../backupsApi';
import { BackUpNowDialog } from './BackUpNowDialog';
import { LatestBackups } from './LatestBackups';
import { ScheduleDialog } from './ScheduleDialog';
import { ScheduleItem } from './ScheduleItem';

const LATEST = 5;
const RUNNING_POLL_MS = 2_000;

type Dialog = { name: 'now' } | { name: 'schedule'; schedule?: BackupSchedule };

/** What backing up needs first, for those who may set it up. */
function Prerequisites({ targets, recipients }: { targets: BackupTarget[]; recipients: BackupRecipient[] }) {
  const translate = useTranslate();
  if (targets.length > 0 && recipients.length > 0) return null;
  return (
    <Alert severity="info" role="note">
      {translate('hearth.backups.card.setup')}{' '}
      {targets.length === 0 && <Link to="/backup-targets">{translate('hearth.backups.card.setup_target')}</Link>}
      {targets.length === 0 && recipients.length === 0 && ' · '}
      {recipients.length === 0 && <Link to="/backup-recipients">{translate('hearth.backups.card.setup_key')}</Link>}
    </Alert>
  );
}

/** Backups, schedules and backing up now, of an instance Hearth runs. */
function ManagedBackups({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const queryClient = useQueryClient();
  const mayManage = useCan('backups.manage');
  const [dialog, setDialog] = useState<Dialog>();
  const [started, setStarted] = useState<{ id: string; jobId: string; finished: boolean }>();
  const latest = useQuery({
    queryKey: backupKeys.latest(instance.id),
    queryFn: ({ signal }) => backupsApi.latest(instance.id, LATEST, signal),
    refetchInterval: (query) => (query.state.data?.data.some((backup) => backup.status === 'running') ? RUNNING_POLL_MS : false),
  });
  const schedules = useQuery({ queryKey: backupKeys.schedules(instance.id), queryFn: ({ signal }) => backupsApi.schedules(instance.id, signal) });
  const targets = useQuery({ queryKey: backupKeys.targets(), queryFn: ({ signal }) => backupsApi.targets(signal) });
  const recipients = useQuery({ queryKey: backupKeys.recipients(), queryFn: ({ signal }) => backupsApi.recipients(signal) });
  const reload = () => queryClient.invalidateQueries({ queryKey: backupKeys.ofInstance(instance.id) });
  const close = () => setDialog(undefined);
  const targetList = targets.data?.data ?? [];
  const recipientList = recipients.data?.data ?? [];
  const ready = targetList.length > 0 && recipientList.length > 0;

  return (
    <>
      <Stack spacing={2}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.backups.card.intro')}
        </Typography>
        {started && (
          <Box>
            <JobFollower
              jobId={started.jobId}
              title="hearth.backups.card.job"
              titleArgs={{ name: instance.name }}
              onFinished={() => {
                setStarted({ ...started, finished: true });
                void reload();
              }}
            />
            <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
              <Button component={Link} to={`/backups/${started.id}/show`}>
                {translate('hearth.backups.card.open_backup')}
              </Button>
              {started.finished && <Button onClick={() => setStarted(undefined)}>{translate('hearth.instances.operation.dismiss')}</Button>}
            </Stack>
          </Box>
        )}
        {mayManage && targets.isSuccess && recipients.isSuccess && <Prerequisites targets={targetList} recipients={recipientList} />}
        <Box>
          <Typography variant="subtitle1" component="h3">
            {translate('hearth.backups.card.latest', { name: instance.name })}
          </Typography>
          <Loaded query={latest}>{({ data }) => <LatestBackups instance={instance} backups={data} />}</Loaded>
        </Box>
        <Box>
          <Typography variant="subtitle1" component="h3">
            {translate('hearth.backups.schedules.title')}
          </Typography>
          <Loaded query={schedules}>
            {({ data }) =>
              data.length === 0 ? (
                <Typography variant="body2">{translate('hearth.backups.schedules.none')}</Typography>
              ) : (
                <Box component="ul" sx={{ m: 0, p: 0 }}>
                  {data.map((schedule) => (
                    <ScheduleItem
                      key={schedule.id}
                      schedule={schedule}
                      recipients={recipientList}
                      mayManage={mayManage}
                      onEdit={() => setDialog({ name: 'schedule', schedule })}
                      onChanged={() => void reload()}
                    />
                  ))}
                </Box>
              )
            }
          </Loaded>
        </Box>
        {mayManage && (
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            <Button variant="contained" startIcon={<BackupIcon />} disabled={!ready || (started && !started.finished)} onClick={() => setDialog({ name: 'now' })}>
              {translate('hearth.backups.now.button')}
            </Button>
            <Button variant="outlined" startIcon={<AddIcon />} disabled={!ready} onClick={() => setDialog({ name: 'schedule' })}>
              {translate('hearth.backups.schedules.add_button')}
            </Button>
          </Box>
        )}
      </Stack>
      {dialog?.name === 'now' && (
        <BackUpNowDialog
          instance={instance}
          targets={targetList}
          recipients={recipientList}
          onClose={close}
          onStarted={({ id, jobId }) => {
            close();
            setStarted({ id, jobId, finished: false });
            void reload();
          }}
        />
      )}
      {dialog?.name === 'schedule' && (
        <ScheduleDialog
          instance={instance}
          schedule={dialog.schedule}
          targets={targetList}
          recipients={recipientList}
          onClose={close}
          onSaved={() => {
            close();
            void reload();
          }}
        />
      )}
    </>
  );
}

/**
 * The instance's backups: the latest ones, its schedules and (for admins) backing it up now and
 * scheduling, each backup followed here as a job. Hearth backs up only the servers it runs.
 */
export function BackupsSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  return (
    <Section title="hearth.backups.card.title">
      {instance.managed ? <ManagedBackups instance={instance} /> : <Typography variant="body2">{translate('hearth.backups.card.adopted')}</Typography>}
    </Section>
  );
}
