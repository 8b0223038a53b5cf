import polyglotI18nProvider from 'ra-i18n-polyglot';
import { en } from './en';

// allowMissing: server messages (problem `detail`) reach notifications as plain text, not keys.
export const i18nProvider = polyglotI18nProvider(() => en, 'en', [{ locale: 'en', name: 'English' }], {
  allowMissing: true,
});
