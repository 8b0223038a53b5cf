import { Box, Button, Stack, Typography } from '@mui/material';
import type { TotpEnrolment } from '@hearth/contracts';
import { Form, SaveButton, TextInput, regex, required, useDataProvider, useTranslate } from 'react-admin';
import { SecretValue } from '../common/SecretValue';
import type { HearthDataProvider } from '../dataProvider';
import { useAccountFormSubmit } from './useAccountFormSubmit';

interface TotpEnrolmentFormProps {
  enrolment: TotpEnrolment;
  onConfirmed: (recoveryCodes: string[]) => void;
  onCancel: () => void;
}

/** An <img> never runs scripts inside an SVG, so the server's QR code needs no sanitising. */
function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`;
}

export function TotpEnrolmentForm({ enrolment, onConfirmed, onCancel }: TotpEnrolmentFormProps) {
  const translate = useTranslate();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const submit = useAccountFormSubmit<{ code: string }>(
    async ({ code }) => onConfirmed((await dataProvider.confirmTotp(code.trim())).recoveryCodes),
    { 'auth/totp_invalid': 'code' },
  );
  return (
    <Stack spacing={2}>
      <Typography>{translate('hearth.account.totp.scan')}</Typography>
      <Box
        component="img"
        src={svgDataUrl(enrolment.qrSvg)}
        alt={translate('hearth.account.totp.qr_alt')}
        sx={{ width: 200, height: 200, bgcolor: 'common.white', p: 1 }}
      />
      <SecretValue value={enrolment.secret} label="hearth.account.totp.secret" />
      <Form onSubmit={submit} noValidate>
        <TextInput
          source="code"
          label="hearth.account.totp.code"
          helperText="hearth.account.totp.code_help"
          autoComplete="one-time-code"
          validate={[required(), regex(/^\s*\d{6}\s*$/, 'hearth.account.totp.code_format')]}
        />
        <Stack direction="row" spacing={1}>
          <SaveButton label="hearth.account.totp.turn_on" />
          <Button onClick={onCancel}>{translate('ra.action.cancel')}</Button>
        </Stack>
      </Form>
    </Stack>
  );
}
