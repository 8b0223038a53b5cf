import { Box, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { Protocol } from '../accounts/accountSupport';
import { CopyableRow } from '../common/CopyableRow';
import type { ConnectionDetails } from './links';

/** Apps that work well with each protocol, by platform; names only, people find them in their app store. */
const APPS: Record<Protocol, { platform: string; app: string }[]> = {
  matrix: [
    { platform: 'hearth.public.platform.android', app: 'Element' },
    { platform: 'hearth.public.platform.ios', app: 'Element' },
    { platform: 'hearth.public.platform.desktop', app: 'Element Desktop' },
    { platform: 'hearth.public.platform.browser', app: 'Element Web' },
  ],
  xmpp: [
    { platform: 'hearth.public.platform.android', app: 'Conversations' },
    { platform: 'hearth.public.platform.apple', app: 'Monal' },
    { platform: 'hearth.public.platform.windows_linux', app: 'Gajim' },
    { platform: 'hearth.public.platform.linux', app: 'Dino' },
  ],
};

const HOW_TO: Record<Protocol, string> = {
  matrix: 'hearth.public.how_to.matrix',
  xmpp: 'hearth.public.how_to.xmpp',
};

/** How to reach the server with the account just made or repaired: the address, the server, and apps to do it with. */
export function ConnectionInstructions({ connection }: { connection: ConnectionDetails }) {
  const translate = useTranslate();
  const { protocol, address, username, server } = connection;
  return (
    <Stack spacing={2}>
      <Table size="small" aria-label={translate('hearth.public.connection')}>
        <TableBody>
          <CopyableRow label={translate('hearth.public.address')} value={address} />
          <CopyableRow label={translate(protocol === 'matrix' ? 'hearth.public.homeserver' : 'hearth.public.server')} value={server} />
        </TableBody>
      </Table>
      <Typography>{translate(HOW_TO[protocol], { address, username, server })}</Typography>
      <Box component="section" aria-labelledby="recommended-apps">
        <Typography id="recommended-apps" variant="h6" component="h2" gutterBottom>
          {translate('hearth.public.apps')}
        </Typography>
        <Table size="small" aria-label={translate('hearth.public.apps')}>
          <TableBody>
            {APPS[protocol].map(({ platform, app }) => (
              <TableRow key={platform}>
                <TableCell component="th" scope="row">
                  {translate(platform)}
                </TableCell>
                <TableCell sx={{ fontWeight: 500 }}>{app}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Stack>
  );
}
