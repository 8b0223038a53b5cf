import type { AlertChannel } from '@hearth/contracts';
import { maxLength, minLength, regex } from 'react-admin';

/** Written out so the compiler insists on a label for every kind the API offers. */
const KIND_LABEL: Record<AlertChannel['kind'], string> = {
  webhook: 'hearth.alerts.kind.webhook',
};

export const alertKindChoices = Object.entries(KIND_LABEL).map(([id, name]) => ({ id, name }));

export const validateUrl = [regex(/^https?:\/\/\S+$/i, 'hearth.alerts.url_invalid'), maxLength(2000)];
export const validateSecret = [minLength(16), maxLength(200)];
