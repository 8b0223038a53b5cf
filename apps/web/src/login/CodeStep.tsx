import { Button, Typography } from '@mui/material';
import { Form, TextInput, required, useTranslate } from 'react-admin';
import { SubmitButton } from './SubmitButton';

interface CodeStepProps {
  submitting: boolean;
  onSubmit: (code: string) => void;
  onBack: () => void;
}

/** Second sign-in step: a code from the authenticator app, or one of the recovery codes. */
export function CodeStep({ submitting, onSubmit, onBack }: CodeStepProps) {
  const translate = useTranslate();
  return (
    <Form onSubmit={(values: Record<string, string>) => onSubmit(values.totp.trim())} noValidate>
      <Typography component="h1" variant="h6" gutterBottom>
        {translate('hearth.login.totp_title')}
      </Typography>
      <Typography variant="body2" gutterBottom>
        {translate('hearth.login.totp_help')}
      </Typography>
      <TextInput
        source="totp"
        label="hearth.login.code"
        autoComplete="one-time-code"
        autoFocus
        validate={required()}
      />
      <SubmitButton submitting={submitting} label="hearth.login.verify" />
      <Button fullWidth onClick={onBack} sx={{ mt: 1 }}>
        {translate('hearth.login.back')}
      </Button>
    </Form>
  );
}
