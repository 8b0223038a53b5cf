import { Form, TextInput, required, useTranslate } from 'react-admin';
import { Typography } from '@mui/material';
import { SubmitButton } from './SubmitButton';

export interface PasswordStepValues {
  email: string;
  password: string;
}

interface PasswordStepProps {
  submitting: boolean;
  onSubmit: (values: PasswordStepValues) => void;
}

export function PasswordStep({ submitting, onSubmit }: PasswordStepProps) {
  const translate = useTranslate();
  return (
    <Form onSubmit={(values: Record<string, string>) => onSubmit({ email: values.email, password: values.password })} noValidate>
      <Typography component="h1" variant="h6" gutterBottom>
        {translate('hearth.login.title')}
      </Typography>
      <TextInput
        source="email"
        type="email"
        label="hearth.login.email"
        autoComplete="username"
        autoFocus
        validate={required()}
      />
      {/* A plain password field: a show-password toggle would add a second control named "…password". */}
      <TextInput
        source="password"
        type="password"
        label="hearth.login.password"
        autoComplete="current-password"
        validate={required()}
      />
      <SubmitButton submitting={submitting} label="ra.auth.sign_in" />
    </Form>
  );
}
