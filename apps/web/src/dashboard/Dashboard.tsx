import { Stack, Typography } from '@mui/material';
import { Title, useTranslate } from 'react-admin';
import { Section } from '../common/Section';
import { HealthSummary } from './HealthSummary';

export default function Dashboard() {
  const translate = useTranslate();
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="ra.page.dashboard" />
      <Section title="hearth.dashboard.health">
        <HealthSummary />
      </Section>
      <Section title="hearth.dashboard.servers">
        <Typography>{translate('hearth.dashboard.servers_soon')}</Typography>
        <Typography sx={{ mt: 1 }} color="text.secondary">
          {translate('hearth.dashboard.servers_today')}
        </Typography>
      </Section>
    </Stack>
  );
}
