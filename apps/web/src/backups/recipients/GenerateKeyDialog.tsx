import { useState } from 'react';
import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, Stack, TextField, Typography } from '@mui/material';
import type { BackupRecipient } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { downloadText } from '../../common/download';
import { FormDialog } from '../../common/FormDialog';
import { useFormRequest } from '../../common/useRequest';
import { type AgeKeyPair, KEY_FILE_NAME, generateAgeKeyPair } from '../age-keys';
import { backupsApi } from '../backupsApi';
import { RECIPIENT_CODE_FIELDS, checkName } from './recipientForm';

interface GenerateKeyDialogProps {
  onClose: () => void;
  onAdded: (recipient: BackupRecipient) => void;
}

/**
 * Makes a key pair in this browser: the private key is offered as a file (and kept nowhere else),
 * the public key is added once the file has been downloaded. Closing the dialog drops both.
 */
export function GenerateKeyDialog({ onClose, onAdded }: GenerateKeyDialogProps) {
  const translate = useTranslate();
  const [name, setName] = useState('');
  const [pair, setPair] = useState<AgeKeyPair>();
  const [downloaded, setDownloaded] = useState(false);
  const [generating, setGenerating] = useState(false);
  const [unsupported, setUnsupported] = useState<string>();
  const { pending, errors, problem, submit } = useFormRequest(RECIPIENT_CODE_FIELDS);

  const generate = async () => {
    setGenerating(true);
    try {
      setPair(await generateAgeKeyPair());
    } catch (error) {
      // Browsers without X25519 in WebCrypto refuse here (NotSupportedError).
      setUnsupported(translate('hearth.backups.recipients.generate.unsupported', { error: error instanceof Error ? error.message : String(error) }));
    } finally {
      setGenerating(false);
    }
  };

  const add = (generated: AgeKeyPair) =>
    void submit(checkName(name, translate), () => backupsApi.addRecipient({ name: name.trim(), publicKey: generated.recipient }), (recipient) => {
      setPair(undefined);
      onAdded(recipient);
    });

  return (
    <FormDialog
      onClose={onClose}
      title="hearth.backups.recipients.generate.title"
      submitLabel={pair ? 'hearth.backups.recipients.generate.add' : 'hearth.backups.recipients.generate.submit'}
      disabled={pending || generating || (pair !== undefined && !downloaded) || unsupported !== undefined}
      onSubmit={() => (pair ? add(pair) : void generate())}
    >
      <Typography variant="body2">{translate('hearth.backups.recipients.generate.intro')}</Typography>
      {(problem ?? unsupported) && <Alert severity="error">{problem ?? unsupported}</Alert>}
      <TextField
        label={translate('hearth.backups.recipients.fields.name')}
        value={name}
        onChange={(event) => setName(event.target.value)}
        autoFocus
        autoComplete="off"
        error={Boolean(errors.name)}
        helperText={errors.name ?? translate('hearth.backups.recipients.name_help')}
        slotProps={{ htmlInput: { maxLength: 100 } }}
      />
      {pair && (
        <Stack spacing={2}>
          <TextField
            label={translate('hearth.backups.recipients.fields.public_key')}
            value={pair.recipient}
            // Multiline only so the whole key shows, wrapped.
            multiline
            error={Boolean(errors.publicKey)}
            helperText={errors.publicKey}
            onFocus={(event) => event.target.select()}
            slotProps={{ htmlInput: { readOnly: true, spellCheck: false, sx: { fontFamily: 'monospace' } } }}
          />
          <Alert severity="warning">{translate('hearth.backups.recipients.generate.warning', { file: KEY_FILE_NAME })}</Alert>
          <Box>
            <Button
              variant={downloaded ? 'outlined' : 'contained'}
              startIcon={<DownloadIcon />}
              onClick={() => {
                downloadText(KEY_FILE_NAME, pair.identityFile);
                setDownloaded(true);
              }}
            >
              {translate('hearth.backups.recipients.generate.download', { file: KEY_FILE_NAME })}
            </Button>
          </Box>
          {!downloaded && (
            <Typography variant="body2" color="text.secondary">
              {translate('hearth.backups.recipients.generate.download_first')}
            </Typography>
          )}
        </Stack>
      )}
    </FormDialog>
  );
}
