import { useState } from 'react';
import UpgradeIcon from '@mui/icons-material/Upgrade';
import { Alert, Box, Button, Chip, Stack, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Instance, InstanceVersions, Job, ServerVersion } from '@hearth/contracts';
import { useRefresh, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { PROGRAM } from '../accounts/accountSupport';
import { backupKeys } from '../backups/backupsApi';
import { Section } from '../common/Section';
import { JobFollower } from '../jobs/JobFollower';
import { Loaded } from '../moderation/Loaded';
import { UpgradeDialog } from './UpgradeDialog';
import { UpgradeBackupSetup, useUpgradeBackup } from './upgradeBackup';
import { isUnsupported, upgradesApi, upgradesKeys } from './upgradesApi';
import { MOVE_TEXT, moveKind, originText, stateLook, versionLabel, type MoveKind } from './versionText';

interface Move {
  version: ServerVersion;
  kind: MoveKind;
  label: string;
}

/** Where a version comes from (the host's package, the version store, a container image), and Debian's version of its package. */
function Origin({ version }: { version: ServerVersion }) {
  const translate = useTranslate();
  const suite = version.suite ?? '?';
  const parts = [
    translate(originText(version), { suite }),
    version.packageVersion
      ? translate('hearth.versions.package', { package: version.packageVersion })
      : version.state === 'installable' && translate(version.source === 'image' ? 'hearth.versions.unknown_image' : 'hearth.versions.unknown'),
  ].filter(Boolean);
  return (
    <Typography variant="body2" color="text.secondary">
      {parts.join(' · ')}
    </Typography>
  );
}

interface VersionItemProps {
  version: ServerVersion;
  current: string | null;
  /** The button that opens the dialog, for admins; absent for the current version and for viewers. */
  canMove: boolean;
  disabled: boolean;
  onMove: (move: Move) => void;
}

/** One version: its number, state, origin and problems, and (for admins) the way to move to it. */
function VersionItem({ version, current, canMove, disabled, onMove }: VersionItemProps) {
  const translate = useTranslate();
  const label = versionLabel(version);
  const look = stateLook(version);
  const kind = moveKind(version, current);
  return (
    <Box component="li" data-testid={`version-${version.id}`} sx={{ py: 1.5, borderTop: 1, borderColor: 'divider', '&:first-of-type': { borderTop: 0, pt: 0 } }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography sx={{ fontWeight: 500 }}>{label}</Typography>
        {version.current && <Chip size="small" color="primary" label={translate('hearth.versions.current')} />}
        <Chip size="small" variant="outlined" color={look.colour} label={translate(look.label)} />
        <Box sx={{ flexGrow: 1 }} />
        {canMove && !version.current && (
          <Button
            size="small"
            variant={kind === 'upgrade' ? 'contained' : 'outlined'}
            startIcon={kind === 'upgrade' ? <UpgradeIcon /> : undefined}
            disabled={disabled || version.state === 'unavailable'}
            aria-label={translate(MOVE_TEXT[kind].to, { version: label })}
            onClick={() => onMove({ version, kind, label })}
          >
            {translate(MOVE_TEXT[kind].button)}
          </Button>
        )}
      </Box>
      <Origin version={version} />
      {version.problems.length > 0 && (
        <Alert severity={version.state === 'unavailable' ? 'info' : 'warning'} sx={{ mt: 1 }}>
          {version.problems.join(' · ')}
        </Alert>
      )}
    </Box>
  );
}

/** After a failed move: the job put the previous version and data back, unless even those did not come up. */
function Undone({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  return (
    <Alert severity={instance.status === 'failed' ? 'error' : 'warning'} sx={{ mt: 1 }}>
      {translate(instance.status === 'failed' ? 'hearth.versions.undo_failed' : 'hearth.versions.undone', { name: instance.name })}
    </Alert>
  );
}

interface VersionsProps {
  instance: Instance;
  versions: InstanceVersions;
  busy: boolean;
  onStarted: (jobId: string, move: Move) => void;
}

/** The version the instance runs, the others, and (for admins) moving to one of them after a backup. */
function Versions({ instance, versions, busy, onStarted }: VersionsProps) {
  const translate = useTranslate();
  const mayManage = useCan('instances.manage');
  const mayBackUp = useCan('backups.read');
  const manages = mayManage && mayBackUp;
  const { targets: targetList, recipients: recipientList, loaded, ready } = useUpgradeBackup(manages);
  const [move, setMove] = useState<Move>();
  const running = instance.status === 'running';
  const currentEntry = versions.versions.find((version) => version.current);
  const current = versions.current.version ?? currentEntry?.version ?? null;
  const others = versions.versions.filter((version) => !version.current);

  return (
    <Stack spacing={2}>
      <Typography data-testid="version-current">
        {translate('hearth.versions.runs', { name: instance.name, version: current ?? versions.current.id })}
      </Typography>
      <Box component="ul" aria-label={translate('hearth.versions.list')} sx={{ listStyle: 'none', m: 0, p: 0 }}>
        {[...(currentEntry ? [currentEntry] : []), ...others].map((version) => (
          <VersionItem key={version.id} version={version} current={current} canMove={manages} disabled={busy || !running || !ready} onMove={setMove} />
        ))}
      </Box>
      {others.length === 0 && (
        <Typography variant="body2">{translate(instance.runtime === 'container' ? 'hearth.versions.no_other_image' : 'hearth.versions.no_other')}</Typography>
      )}
      {manages && others.length > 0 && !running && !busy && (
        <Alert severity="info" role="note">
          {translate('hearth.versions.not_running', { name: instance.name })}
        </Alert>
      )}
      {manages && others.length > 0 && loaded && !ready && <UpgradeBackupSetup targets={targetList} recipients={recipientList} />}
      {move && (
        <UpgradeDialog
          instance={instance}
          version={move.version}
          kind={move.kind}
          label={move.label}
          targets={targetList}
          recipients={recipientList}
          onClose={() => setMove(undefined)}
          onStarted={(jobId) => {
            setMove(undefined);
            onStarted(jobId, move);
          }}
        />
      )}
    </Stack>
  );
}

/**
 * The instance's version: the one it runs and the others this host has or can install, for
 * everyone who may see the instance; for admins, moving to another as a job followed here
 * (backed up first, and put back as it was on any failure after the stop).
 */
export function VersionSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: upgradesKeys.of(instance.id, instance.status, instance.version),
    queryFn: ({ signal }) => upgradesApi.versions(instance.id, signal),
    enabled: instance.managed,
    // Hearth not managing this server's versions is an answer, not a hiccup to retry.
    retry: (count, error) => !isUnsupported(error) && count < 2,
  });
  const [change, setChange] = useState<{ jobId: string; move: Move }>();
  const [finished, setFinished] = useState<Job>();
  const busy = change !== undefined && finished === undefined;

  const onFinished = (job: Job) => {
    setFinished(job);
    void queryClient.invalidateQueries({ queryKey: upgradesKeys.instance(instance.id) });
    // The pre-upgrade backup is one of the instance's backups.
    void queryClient.invalidateQueries({ queryKey: backupKeys.ofInstance(instance.id) });
    refresh();
  };

  const unsupported = !instance.managed || isUnsupported(query.error);
  return (
    <Section title="hearth.versions.title">
      <Stack spacing={2}>
        {change && (
          <Box>
            <JobFollower
              jobId={change.jobId}
              title={MOVE_TEXT[change.move.kind].job}
              titleArgs={{ name: instance.name, version: change.move.label }}
              onFinished={onFinished}
            />
            {finished && finished.status !== 'succeeded' && <Undone instance={instance} />}
            {finished && (
              <Button onClick={() => setChange(undefined)} sx={{ mt: 1 }}>
                {translate('hearth.instances.operation.dismiss')}
              </Button>
            )}
          </Box>
        )}
        {unsupported ? (
          <Typography variant="body2" data-testid="versions-unsupported">
            {instance.managed
              ? translate('hearth.versions.unsupported', { server: translate(PROGRAM[instance.kind]) })
              : translate('hearth.versions.adopted', { name: instance.name })}
          </Typography>
        ) : (
          <Loaded query={query}>
            {(versions) => (
              <Versions
                instance={instance}
                versions={versions}
                busy={busy}
                onStarted={(jobId, move) => {
                  setFinished(undefined);
                  setChange({ jobId, move });
                }}
              />
            )}
          </Loaded>
        )}
      </Stack>
    </Section>
  );
}
