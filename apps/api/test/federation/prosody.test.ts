import { PROSODY_PATHS } from '../../src/drivers/prosody/prosody.config';
import { xmppFederationThroughTheApi } from './support';

// Real Prosody 0.12: closed and open only (no allow or deny list it can enforce).
xmppFederationThroughTheApi('prosody', { first: 26200, last: 26259 }, {
  listMode: 'open',
  closed: 'not-allowed',
  refused: 'not-allowed',
  // mod_s2s back on, without a port: outgoing federation only.
  drift: { file: PROSODY_PATHS.config, edit: (text) => text.replace('modules_disabled = { "s2s", "s2s_auth_certs" }', 'modules_disabled = {}') },
  unsupported: ['allowlist', 'denylist'],
});
