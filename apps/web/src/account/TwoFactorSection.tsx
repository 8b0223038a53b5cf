import { useState } from 'react';
import { Box, Button, Typography } from '@mui/material';
import type { TotpEnrolment } from '@hearth/contracts';
import { useDataProvider, useTranslate } from 'react-admin';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider } from '../dataProvider';
import { DisableTotpForm } from './DisableTotpForm';
import { RecoveryCodes } from './RecoveryCodes';
import { TotpEnrolmentForm } from './TotpEnrolmentForm';

type Phase = { step: 'overview' } | { step: 'enrolling'; enrolment: TotpEnrolment } | { step: 'recovery'; codes: string[] };

interface TwoFactorSectionProps {
  enabled: boolean;
  /** Called after the server-side state changed, to reload the operator. */
  onChanged: () => void;
}

export function TwoFactorSection({ enabled, onChanged }: TwoFactorSectionProps) {
  const translate = useTranslate();
  const notifyError = useNotifyError();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [phase, setPhase] = useState<Phase>({ step: 'overview' });

  const startEnrolment = async () => {
    try {
      setPhase({ step: 'enrolling', enrolment: await dataProvider.enrolTotp() });
    } catch (error) {
      notifyError(error);
    }
  };

  switch (phase.step) {
    case 'enrolling':
      return (
        <TotpEnrolmentForm
          enrolment={phase.enrolment}
          onCancel={() => setPhase({ step: 'overview' })}
          onConfirmed={(codes) => {
            setPhase({ step: 'recovery', codes });
            onChanged();
          }}
        />
      );
    case 'recovery':
      return <RecoveryCodes codes={phase.codes} onDone={() => setPhase({ step: 'overview' })} />;
    case 'overview':
      return (
        <Box>
          <Typography gutterBottom>
            {translate(enabled ? 'hearth.account.totp.on' : 'hearth.account.totp.off')}
          </Typography>
          {enabled ? (
            <DisableTotpForm onDisabled={onChanged} />
          ) : (
            <Button variant="contained" onClick={startEnrolment}>
              {translate('hearth.account.totp.enrol')}
            </Button>
          )}
        </Box>
      );
  }
}
