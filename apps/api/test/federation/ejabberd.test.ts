import { EJABBERD_PATHS } from '../../src/drivers/ejabberd/ejabberd.config';
import { xmppFederationThroughTheApi } from './support';

// Real ejabberd 23.01: every mode, through s2s_access and ACLs of remote servers.
xmppFederationThroughTheApi('ejabberd', { first: 26260, last: 26319 }, {
  listMode: 'allowlist',
  closed: 'forbidden',
  refused: 'forbidden',
  // Every server allowed, without a listener: outgoing federation only.
  drift: { file: EJABBERD_PATHS.config, edit: (text) => text.replace('s2s_access: "none"', 's2s_access: "all"') },
  unsupported: [],
});
