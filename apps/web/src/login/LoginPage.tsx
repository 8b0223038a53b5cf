import { useState } from 'react';
import { Alert, CardContent } from '@mui/material';
import { Login, useLogin, useTranslate } from 'react-admin';
import { CodeStep } from './CodeStep';
import { isTotpRequired, loginFailureMessage } from './loginFailureMessage';
import { PasswordStep, type PasswordStepValues } from './PasswordStep';

/**
 * Two-step sign-in. The password is kept in component state between the steps because the
 * API checks it again together with the code; it never leaves memory.
 */
export function LoginPage() {
  const login = useLogin();
  const translate = useTranslate();
  const [credentials, setCredentials] = useState<PasswordStepValues>();
  const [failure, setFailure] = useState<string>();
  const [submitting, setSubmitting] = useState(false);

  const signIn = async (attempt: PasswordStepValues & { totp?: string }) => {
    setSubmitting(true);
    setFailure(undefined);
    try {
      await login(attempt);
    } catch (error) {
      if (isTotpRequired(error)) setCredentials({ email: attempt.email, password: attempt.password });
      else setFailure(loginFailureMessage(error, translate));
      setSubmitting(false);
    }
  };

  const startOver = () => {
    setCredentials(undefined);
    setFailure(undefined);
  };

  return (
    <Login>
      <CardContent sx={{ width: 320 }}>
        {credentials ? (
          <CodeStep submitting={submitting} onSubmit={(totp) => signIn({ ...credentials, totp })} onBack={startOver} />
        ) : (
          <PasswordStep submitting={submitting} onSubmit={signIn} />
        )}
        {failure && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {failure}
          </Alert>
        )}
      </CardContent>
    </Login>
  );
}
