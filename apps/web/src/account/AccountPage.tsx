import { Stack, Typography } from '@mui/material';
import { Loading, Title, useTranslate } from 'react-admin';
import { Section } from '../common/Section';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TwoFactorSection } from './TwoFactorSection';
import { useCurrentOperator } from './useCurrentOperator';

export default function AccountPage() {
  const translate = useTranslate();
  const { operator, refetch } = useCurrentOperator();
  if (!operator) return <Loading />;
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 720 }}>
      <Title title="hearth.account.title" />
      <Section title="hearth.account.profile">
        <Typography>{operator.displayName ? `${operator.displayName} <${operator.email}>` : operator.email}</Typography>
        <Typography color="text.secondary">
          {translate('hearth.account.role', { role: translate(`hearth.roles.${operator.role}`) })}
        </Typography>
      </Section>
      <Section title="hearth.account.password.title">
        <ChangePasswordForm />
      </Section>
      <Section title="hearth.account.totp.title">
        <TwoFactorSection enabled={operator.totpEnabled} onChanged={() => void refetch()} />
      </Section>
    </Stack>
  );
}
