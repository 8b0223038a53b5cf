import { useState } from 'react';
import AddIcon from '@mui/icons-material/Add';
import VpnKeyIcon from '@mui/icons-material/VpnKey';
import { Box, Stack, TableCell, TableRow, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { BackupRecipient } from '@hearth/contracts';
import { useNotify, useTranslate } from 'react-admin';
import { useCan } from '../../access';
import { GatedButton } from '../../accounts/GatedButton';
import { CopyButton } from '../../common/CopyButton';
import { formatDateTime } from '../../common/dates';
import { ItemsPage } from '../../common/ItemsPage';
import { KEY_FILE_NAME, canGenerateKeys } from '../age-keys';
import { backupKeys, backupsApi } from '../backupsApi';
import { RemoveButton } from '../RemoveButton';
import { AddRecipientDialog } from './AddRecipientDialog';
import { GenerateKeyDialog } from './GenerateKeyDialog';

// Written out so the catalogue test finds every key.
const COLUMNS = [
  'hearth.backups.recipients.fields.name',
  'hearth.backups.recipients.fields.public_key',
  'hearth.backups.recipients.fields.schedules',
  'hearth.backups.recipients.fields.created',
];

function RecipientRow({ recipient, mayManage, onRemoved }: { recipient: BackupRecipient; mayManage: boolean; onRemoved: () => void }) {
  const translate = useTranslate();
  return (
    <TableRow>
      <TableCell>{recipient.name}</TableCell>
      <TableCell>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} data-testid="recipient-key">
            {recipient.publicKey}
          </Typography>
          <CopyButton text={recipient.publicKey} />
        </Stack>
      </TableCell>
      <TableCell>
        {recipient.schedules === 0 ? translate('hearth.backups.recipients.unused') : translate('hearth.backups.recipients.schedules', { smart_count: recipient.schedules })}
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(recipient.createdAt)}</TableCell>
      {mayManage && (
        <TableCell align="right">
          <RemoveButton
            title="hearth.backups.recipients.remove_title"
            content="hearth.backups.recipients.remove_content"
            messageArgs={{ name: recipient.name }}
            remove={() => backupsApi.removeRecipient(recipient.id)}
            onRemoved={onRemoved}
          />
        </TableCell>
      )}
    </TableRow>
  );
}

/**
 * The public keys backups are encrypted to. A pair can be made here, in the browser: its private
 * key goes to a file the operator keeps, never to Hearth.
 */
export default function RecipientList() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const mayManage = useCan('backups.manage');
  const [dialog, setDialog] = useState<'generate' | 'add'>();
  const recipients = useQuery({ queryKey: backupKeys.recipients(), queryFn: ({ signal }) => backupsApi.recipients(signal) });
  const reload = () => queryClient.invalidateQueries({ queryKey: backupKeys.recipients() });
  const added = (recipient: BackupRecipient, message: string) => {
    setDialog(undefined);
    notify(message, { type: 'info', messageArgs: { name: recipient.name, file: KEY_FILE_NAME } });
    void reload();
  };
  return (
    <ItemsPage
      title="hearth.backups.recipients.title"
      intro="hearth.backups.recipients.intro"
      none="hearth.backups.recipients.none"
      actions={
        mayManage && (
          <Box sx={{ display: 'flex', gap: 1, flexShrink: 0 }}>
            <GatedButton
              label="hearth.backups.recipients.generate.button"
              icon={<VpnKeyIcon />}
              variant="contained"
              onClick={() => setDialog('generate')}
              unsupported={canGenerateKeys() ? undefined : translate('hearth.backups.recipients.generate.insecure')}
            />
            <GatedButton label="hearth.backups.recipients.add.button" icon={<AddIcon />} variant="outlined" onClick={() => setDialog('add')} />
          </Box>
        )
      }
      query={recipients}
      columns={COLUMNS}
      rowActions={mayManage}
      row={(recipient) => (
        <RecipientRow
          key={recipient.id}
          recipient={recipient}
          mayManage={mayManage}
          onRemoved={() => {
            notify('hearth.backups.recipients.removed', { type: 'info', messageArgs: { name: recipient.name } });
            void reload();
          }}
        />
      )}
    >
      {dialog === 'generate' && <GenerateKeyDialog onClose={() => setDialog(undefined)} onAdded={(recipient) => added(recipient, 'hearth.backups.recipients.generate.added')} />}
      {dialog === 'add' && <AddRecipientDialog onClose={() => setDialog(undefined)} onAdded={(recipient) => added(recipient, 'hearth.backups.recipients.add.added')} />}
    </ItemsPage>
  );
}
