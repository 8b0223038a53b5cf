import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { CopyButton } from '../common/CopyButton';
import { downloadText } from '../common/download';

interface RecoveryCodesProps {
  codes: string[];
  onDone: () => void;
}

/** Shown once, right after two-factor authentication is turned on. */
export function RecoveryCodes({ codes, onDone }: RecoveryCodesProps) {
  const translate = useTranslate();
  const text = `${codes.join('\n')}\n`;
  return (
    <Stack spacing={2}>
      <Alert severity="warning">{translate('hearth.account.recovery.warning')}</Alert>
      <Typography component="h3" variant="subtitle1" id="recovery-codes-title">
        {translate('hearth.account.recovery.title')}
      </Typography>
      <Box
        component="ol"
        aria-labelledby="recovery-codes-title"
        sx={{ fontFamily: 'monospace', columns: 2, m: 0 }}
      >
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </Box>
      <Stack direction="row" spacing={1}>
        <CopyButton text={text} label="hearth.account.recovery.copy" />
        <Button startIcon={<DownloadIcon />} onClick={() => downloadText('hearth-recovery-codes.txt', text)}>
          {translate('hearth.account.recovery.download')}
        </Button>
      </Stack>
      <Box>
        <Button variant="contained" onClick={onDone}>
          {translate('hearth.account.recovery.stored')}
        </Button>
      </Box>
    </Stack>
  );
}
