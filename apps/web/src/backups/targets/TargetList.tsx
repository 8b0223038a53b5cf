import { useState } from 'react';
import AddIcon from '@mui/icons-material/Add';
import { Box, Button, Chip, Stack, TableCell, TableRow, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { BackupTarget } from '@hearth/contracts';
import { useNotify, useTranslate } from 'react-admin';
import { useCan } from '../../access';
import { formatDateTime } from '../../common/dates';
import { ItemsPage } from '../../common/ItemsPage';
import { backupKeys, backupsApi } from '../backupsApi';
import { RemoveButton } from '../RemoveButton';
import { AddTargetDialog } from './AddTargetDialog';
import { TestConnectionButton } from './TestConnection';

// Written out so the catalogue test finds every key.
const COLUMNS = [
  'hearth.backups.targets.fields.name',
  'hearth.backups.targets.fields.location',
  'hearth.backups.targets.fields.last_check',
];

const KIND_LABEL: Record<BackupTarget['kind'], string> = {
  local: 'hearth.backups.targets.kind.local',
  sftp: 'hearth.backups.targets.kind.sftp',
  s3: 'hearth.backups.targets.kind.s3',
};

/** The SFTP settings the API answers (no secret among them). */
interface SftpConfig {
  host: string;
  port: number;
  username: string;
  path: string;
  hostKeySha256?: string;
}

/** The S3 settings the API answers (the secret key is not among them). */
interface S3Config {
  endpoint: string;
  bucket: string;
  prefix: string;
}

/** One line of a target's address, in monospace. */
function Address({ children }: { children: string }) {
  return (
    <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
      {children}
    </Typography>
  );
}

/**
 * Where the backups go: a directory; user@host:port and the directory there, with the server's
 * pinned key; or a bucket (and prefix) at an S3 endpoint.
 */
function Location({ target }: { target: BackupTarget }) {
  const translate = useTranslate();
  if (target.kind === 'local') return <Address>{String(target.config.path)}</Address>;
  if (target.kind === 's3') {
    const { endpoint, bucket, prefix } = target.config as unknown as S3Config;
    return <Address>{`${endpoint} ${[bucket, prefix].filter(Boolean).join('/')}`}</Address>;
  }
  const { host, port, username, path, hostKeySha256 } = target.config as unknown as SftpConfig;
  return (
    <Box>
      <Address>{`${username}@${host}:${port} ${path}`}</Address>
      <Typography variant="caption" color="text.secondary" sx={{ wordBreak: 'break-all' }}>
        {hostKeySha256 ? translate('hearth.backups.targets.host_key_pinned', { fingerprint: hostKeySha256 }) : translate('hearth.backups.targets.host_key_unpinned')}
      </Typography>
    </Box>
  );
}

function LastCheck({ target }: { target: BackupTarget }) {
  const translate = useTranslate();
  if (target.lastCheckOk === null || !target.lastCheckAt) {
    return <Typography variant="body2" color="text.secondary">{translate('hearth.backups.targets.never_checked')}</Typography>;
  }
  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      <Chip
        size="small"
        variant="outlined"
        color={target.lastCheckOk ? 'success' : 'error'}
        label={translate(target.lastCheckOk ? 'hearth.backups.targets.check.ok' : 'hearth.backups.targets.check.failed')}
      />
      <Typography variant="caption" color="text.secondary">
        {formatDateTime(target.lastCheckAt)}
        {target.lastCheckOk ? '' : ` · ${target.lastCheckDetail ?? ''}`}
      </Typography>
    </Stack>
  );
}

function TargetRow({ target, mayManage, onChecked, onRemoved }: { target: BackupTarget; mayManage: boolean; onChecked: () => void; onRemoved: () => void }) {
  const translate = useTranslate();
  return (
    <TableRow>
      <TableCell>
        <Typography variant="body2">{target.name}</Typography>
        <Typography variant="caption" color="text.secondary">
          {translate(KIND_LABEL[target.kind])}
        </Typography>
      </TableCell>
      <TableCell>
        <Location target={target} />
      </TableCell>
      <TableCell>
        <LastCheck target={target} />
      </TableCell>
      {mayManage && (
        <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
          <TestConnectionButton target={target} onChecked={onChecked} />
          <RemoveButton
            title="hearth.backups.targets.remove_title"
            content="hearth.backups.targets.remove_content"
            messageArgs={{ name: target.name }}
            remove={() => backupsApi.removeTarget(target.id)}
            onRemoved={onRemoved}
          />
        </TableCell>
      )}
    </TableRow>
  );
}

/** Where backups are written: directories on this machine, SFTP servers and S3 buckets, each tested on request. */
export default function TargetList() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const mayManage = useCan('backups.manage');
  const [adding, setAdding] = useState(false);
  const targets = useQuery({ queryKey: backupKeys.targets(), queryFn: ({ signal }) => backupsApi.targets(signal) });
  const reload = () => queryClient.invalidateQueries({ queryKey: backupKeys.targets() });
  return (
    <ItemsPage
      title="hearth.backups.targets.title"
      intro="hearth.backups.targets.intro"
      none="hearth.backups.targets.none"
      actions={
        mayManage && (
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => setAdding(true)} sx={{ flexShrink: 0 }}>
            {translate('hearth.backups.targets.add.button')}
          </Button>
        )
      }
      query={targets}
      columns={COLUMNS}
      rowActions={mayManage}
      row={(target) => (
        <TargetRow
          key={target.id}
          target={target}
          mayManage={mayManage}
          onChecked={() => void reload()}
          onRemoved={() => {
            notify('hearth.backups.targets.removed', { type: 'info', messageArgs: { name: target.name } });
            void reload();
          }}
        />
      )}
    >
      {adding && (
        <AddTargetDialog
          onClose={() => setAdding(false)}
          onAdded={(target) => {
            setAdding(false);
            notify('hearth.backups.targets.added', { type: 'info', messageArgs: { name: target.name } });
            void reload();
          }}
        />
      )}
    </ItemsPage>
  );
}
