import './zodConfig';
import { StrictMode, Suspense, lazy } from 'react';
import { createRoot } from 'react-dom/client';
import { publicLinkOf } from './public/publicLink';

const App = lazy(() => import('./App').then(({ App }) => ({ default: App })));
const PublicApp = lazy(() => import('./public/PublicApp'));

// Invite and set-password links open pages of their own, outside the console and its login.
const link = publicLinkOf(window.location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Suspense>{link ? <PublicApp link={link} /> : <App />}</Suspense>
  </StrictMode>,
);
