import { useState } from 'react';
import CampaignIcon from '@mui/icons-material/Campaign';
import ForumIcon from '@mui/icons-material/Forum';
import { Alert, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { AnnouncementRequest, type Instance, type Job } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { FormDialog } from '../common/FormDialog';
import { Section } from '../common/Section';
import { useRequest } from '../common/useRequest';
import { JobFollower } from '../jobs/JobFollower';
import { type AnnouncementResult, moderationApi } from './moderationApi';
import { roomsPath } from './paths';

const MAX_LENGTH = AnnouncementRequest.shape.text.maxLength ?? 4000;

function AnnounceDialog({ instance, onClose, onSent }: { instance: Instance; onClose: () => void; onSent: (jobId: string) => void }) {
  const translate = useTranslate();
  const { pending, run } = useRequest();
  const [text, setText] = useState('');
  const valid = AnnouncementRequest.shape.text.safeParse(text).success;
  return (
    <FormDialog
      onClose={onClose}
      title="hearth.moderation.announce.title"
      submitLabel="hearth.moderation.announce.submit"
      messageArgs={{ name: instance.name }}
      disabled={!valid || pending}
      onSubmit={() => run(() => moderationApi.announce(instance.id, { text: text.trim() }), ({ jobId }) => onSent(jobId))}
    >
      <Typography variant="body2">{translate('hearth.moderation.announce.content', { name: instance.name })}</Typography>
      <TextField
        label={translate('hearth.moderation.announce.text')}
        value={text}
        onChange={(event) => setText(event.target.value)}
        multiline
        minRows={3}
        autoFocus
        helperText={translate('hearth.moderation.announce.length', { length: text.length, max: MAX_LENGTH })}
        slotProps={{ htmlInput: { maxLength: MAX_LENGTH } }}
      />
    </FormDialog>
  );
}

/** How many accounts a finished announcement reached, and which had gone meanwhile. */
function AnnouncementOutcome({ job }: { job: Job }) {
  const translate = useTranslate();
  const result = job.result as AnnouncementResult | undefined;
  if (job.status !== 'succeeded' || !result) return null;
  return (
    <Alert severity="success" sx={{ mt: 1 }} data-testid="announcement-outcome">
      {translate('hearth.moderation.announce.sent', { smart_count: result.sent })}
      {result.skipped.length > 0 && ` ${translate('hearth.moderation.announce.skipped', { names: result.skipped.join(', ') })}`}
    </Alert>
  );
}

/** Sends an announcement and follows its paced job, with a link to the job's page. */
function Announce({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const [open, setOpen] = useState(false);
  const [jobId, setJobId] = useState<string>();
  const [finished, setFinished] = useState<Job>();
  return (
    <>
      <Button variant="outlined" startIcon={<CampaignIcon />} onClick={() => setOpen(true)} disabled={jobId !== undefined && !finished}>
        {translate('hearth.moderation.announce.button')}
      </Button>
      {open && (
        <AnnounceDialog
          instance={instance}
          onClose={() => setOpen(false)}
          onSent={(started) => {
            setOpen(false);
            setFinished(undefined);
            setJobId(started);
          }}
        />
      )}
      {jobId && (
        <Box sx={{ width: '100%' }}>
          <JobFollower jobId={jobId} title="hearth.moderation.announce.running" titleArgs={{ name: instance.name }} onFinished={setFinished} />
          {finished && <AnnouncementOutcome job={finished} />}
        </Box>
      )}
    </>
  );
}

/** The way to a Matrix server's rooms and its announcements, for moderators, where the server offers them. */
export function ModerationSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const mayRead = useCan('moderation.read');
  const mayManage = useCan('moderation.manage');
  const rooms = instance.capabilities.includes('rooms');
  const notices = mayManage && instance.capabilities.includes('server-notices');
  if (!mayRead || (!rooms && !notices)) return null;
  return (
    <Section title="hearth.moderation.section.title">
      <Stack spacing={1.5} sx={{ alignItems: 'flex-start' }}>
        <Typography variant="body2" color="text.secondary">
          {translate('hearth.moderation.section.intro')}
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', width: '100%' }}>
          {rooms && (
            <Button component={Link} to={roomsPath(instance.id)} variant="outlined" startIcon={<ForumIcon />}>
              {translate('hearth.moderation.section.rooms')}
            </Button>
          )}
          {notices && <Announce instance={instance} />}
        </Box>
      </Stack>
    </Section>
  );
}
