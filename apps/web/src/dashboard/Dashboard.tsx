import { Stack } from '@mui/material';
import { Title } from 'react-admin';
import { Section } from '../common/Section';
import { HealthSummary } from './HealthSummary';
import { InstancesSummary } from './InstancesSummary';

export default function Dashboard() {
  return (
    <Stack spacing={2} sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="ra.page.dashboard" />
      <Section title="hearth.dashboard.health">
        <HealthSummary />
      </Section>
      <Section title="hearth.dashboard.servers">
        <InstancesSummary />
      </Section>
    </Stack>
  );
}
