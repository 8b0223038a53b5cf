import { CssBaseline } from '@mui/material';
import { AdminContext, Notification, memoryStore } from 'react-admin';
import { i18nProvider } from '../i18n/i18nProvider';
import { PublicLinkPage } from './PublicLinkPage';
import type { PublicLinkPath } from './publicLink';

/**
 * The invite and set-password pages: the console's theme, words and notifications, but no login,
 * no console around them, and a store in memory only, so the page leaves nothing in the browser.
 */
const store = memoryStore();

export default function PublicApp({ link }: { link: PublicLinkPath }) {
  return (
    <AdminContext i18nProvider={i18nProvider} store={store}>
      <CssBaseline />
      <PublicLinkPage link={link} />
      <Notification />
    </AdminContext>
  );
}
