import { useId, useState } from 'react';
import NetworkCheckIcon from '@mui/icons-material/NetworkCheck';
import { Alert, Button as MuiButton, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from '@mui/material';
import type { BackupTarget, BackupTargetCheck } from '@hearth/contracts';
import { Button, useTranslate } from 'react-admin';
import { CopyButton } from '../../common/CopyButton';
import { useRequest } from '../../common/useRequest';
import { backupsApi } from '../backupsApi';

/** What the test found: whether a probe file could be written, read back and deleted (and the space left, in its detail), and the server's host key. */
function CheckResult({ target, result, onClose }: { target: BackupTarget; result: BackupTargetCheck; onClose: () => void }) {
  const translate = useTranslate();
  const titleId = useId();
  return (
    <Dialog open onClose={onClose} aria-labelledby={titleId} fullWidth maxWidth="sm">
      <DialogTitle id={titleId}>{translate('hearth.backups.targets.check.title', { name: target.name })}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <Alert severity={result.ok ? 'success' : 'error'} data-testid="target-check">
            <Typography variant="body2" sx={{ fontWeight: 500 }}>
              {translate(result.ok ? 'hearth.backups.targets.check.ok' : 'hearth.backups.targets.check.failed')}
            </Typography>
            <Typography variant="body2" sx={{ wordBreak: 'break-word' }}>
              {result.detail}
            </Typography>
          </Alert>
          {result.hostKeySha256 && (
            <>
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                <Typography variant="body2">{translate('hearth.backups.targets.check.host_key')}</Typography>
                <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }} data-testid="target-host-key">
                  {result.hostKeySha256}
                </Typography>
                <CopyButton text={result.hostKeySha256} />
              </Stack>
              <Typography variant="body2" color="text.secondary">
                {translate('hearth.backups.targets.check.host_key_help')}
              </Typography>
            </>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <MuiButton variant="contained" onClick={onClose}>
          {translate('ra.action.close')}
        </MuiButton>
      </DialogActions>
    </Dialog>
  );
}

/** Tests the connection now and shows what came of it; the list shows the latest result afterwards. */
export function TestConnectionButton({ target, onChecked }: { target: BackupTarget; onChecked: () => void }) {
  const { pending, run } = useRequest();
  const [result, setResult] = useState<BackupTargetCheck>();
  return (
    <>
      <Button
        label="hearth.backups.targets.check.button"
        disabled={pending}
        onClick={() =>
          run(
            () => backupsApi.checkTarget(target.id),
            (checked) => {
              setResult(checked);
              onChecked();
            },
          )
        }
      >
        <NetworkCheckIcon />
      </Button>
      {result && <CheckResult target={target} result={result} onClose={() => setResult(undefined)} />}
    </>
  );
}
