import type { ReactNode } from 'react';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import { Alert, Box, Tab, Tabs } from '@mui/material';
import type { Instance } from '@hearth/contracts';
import { Button, Link, Loading, Title, useGetOne, useTranslate } from 'react-admin';
import { useParams } from 'react-router';
import { INSTANCE_STATUS_LOOK } from '../instances/instanceStatus';
import { type AccountCapability, accountsReachable, useUnsupported } from './accountSupport';

export type SubPage = 'users' | 'invites';

/** What each page needs of the server; invites are Hearth's own, so they can be listed and withdrawn while it is down. */
const TABS: Record<SubPage, { label: string; title: string; needs: AccountCapability; needsRunning: boolean }> = {
  users: { label: 'hearth.accounts.tab', title: 'hearth.accounts.title', needs: 'users.list', needsRunning: true },
  invites: { label: 'hearth.invites.tab', title: 'hearth.invites.title', needs: 'users.create', needsRunning: false },
};

/**
 * A page about one server's members (its accounts, its invites): the way back to the server, tabs
 * between them, and the page itself once the server can answer for its accounts.
 */
export function InstanceSubPage({ page, children }: { page: SubPage; children: (instance: Instance) => ReactNode }) {
  const { id } = useParams<'id'>();
  const translate = useTranslate();
  const { data: instance, error } = useGetOne<Instance>('instances', { id: id ?? '' }, { enabled: id !== undefined });
  if (error) return <Alert severity="error" sx={{ mt: 2 }}>{translate(error instanceof Error ? error.message : 'ra.notification.http_error')}</Alert>;
  if (!instance) return <Loading />;
  return (
    <Box sx={{ mt: 1 }}>
      <Title title={translate(TABS[page].title, { name: instance.name })} />
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap', borderBottom: 1, borderColor: 'divider' }}>
        <Button component={Link} to={`/instances/${encodeURIComponent(instance.id)}/show`} label={instance.name}>
          <ArrowBackIcon />
        </Button>
        <Tabs value={page} aria-label={translate('hearth.accounts.tabs', { name: instance.name })}>
          {(Object.keys(TABS) as SubPage[]).map((tab) => (
            <Tab
              key={tab}
              value={tab}
              label={translate(TABS[tab].label)}
              component={Link}
              to={`/instances/${encodeURIComponent(instance.id)}/${tab}`}
            />
          ))}
        </Tabs>
      </Box>
      <SubPageBody instance={instance} {...TABS[page]}>
        {children(instance)}
      </SubPageBody>
    </Box>
  );
}

/** The page, unless the server is not running or can't do what the page is about. */
function SubPageBody({ instance, needs, needsRunning, children }: { instance: Instance; needs: AccountCapability; needsRunning: boolean; children: ReactNode }) {
  const translate = useTranslate();
  const unsupported = useUnsupported(instance)(needs);
  if (unsupported) return <Alert severity="info" sx={{ mt: 2 }}>{unsupported}</Alert>;
  if (needsRunning && !accountsReachable(instance)) {
    const status = translate(INSTANCE_STATUS_LOOK[instance.status].label).toLowerCase();
    return <Alert severity="info" sx={{ mt: 2 }}>{translate('hearth.accounts.not_running', { name: instance.name, status })}</Alert>;
  }
  return <>{children}</>;
}
