import type { PolicyKnobs } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { usePolicySummary } from '../federation/modes';
import { DAYS_KNOBS, type Knob, LOG_LEVEL_LABEL } from './knobs';

/** A knob's value in words, as the policy page lists them ("7 days", "Kept for good", "Off"). */
export function useKnobWords(): (knob: Knob, knobs: PolicyKnobs) => string {
  const translate = useTranslate();
  const federation = usePolicySummary();
  const days = (value: number | null) =>
    value === null ? translate('hearth.privacy.words.forever') : value === 0 ? translate('hearth.privacy.words.none') : translate('hearth.privacy.words.days', { smart_count: value });
  return (knob, knobs) => {
    if ((DAYS_KNOBS as readonly string[]).includes(knob)) return days(knobs[knob] as number | null);
    switch (knob) {
      case 'healthSampleDays':
        return days(knobs.healthSampleDays);
      case 'backupsKept':
        return translate('hearth.privacy.words.at_most', { smart_count: knobs.backupsKept });
      case 'logLevel':
        return translate(LOG_LEVEL_LABEL[knobs.logLevel]);
      case 'trustedKeyServers':
        return knobs.trustedKeyServers.length > 0 ? knobs.trustedKeyServers.join(', ') : translate('hearth.privacy.words.no_key_servers');
      case 'federation':
        return federation(knobs.federation);
      default:
        return translate(knobs[knob] ? 'hearth.privacy.words.on' : 'hearth.privacy.words.off');
    }
  };
}
