import type { Capability, Driver } from './driver';

/** Each capability in words an operator uses, in the order an operator meets them. */
const ACTIONS: readonly [Capability, string][] = [
  ['users.list', 'List accounts'],
  ['users.create', 'Create accounts (and invites)'],
  ['users.password', 'Reset passwords (and set-password links)'],
  ['users.deactivate', 'Lock and unlock accounts'],
  ['users.delete', 'Erase accounts'],
  ['users.admin', 'Grant and revoke server admin'],
  ['sessions.list', 'List sessions and devices'],
  ['sessions.revoke', 'End a session, log a device out'],
  ['registration-tokens', 'Registration tokens'],
  ['rooms', 'Rooms'],
  ['reports', 'Reports'],
  ['media', 'Media'],
  ['server-notices', 'Server notices'],
  ['federation.destinations', 'Federation destinations'],
  ['federation.policy', 'Federation policy'],
  ['retention.messages', 'Message retention'],
  ['retention.files', 'Shared file retention'],
  ['metrics.openmetrics', 'OpenMetrics endpoint'],
];

/** docs/capabilities.md: what Hearth can do on each kind of server, generated from the drivers themselves. */
export function renderCapabilityMatrix(drivers: readonly Driver[]): string {
  const header = `| Action | ${drivers.map((driver) => driver.displayName).join(' | ')} |`;
  const rule = `|---|${drivers.map(() => ':---:').join('|')}|`;
  const rows = ACTIONS.map(([capability, words]) => `| ${words} | ${drivers.map((driver) => (driver.capabilities.has(capability) ? 'yes' : '—')).join(' | ')} |`);
  return [
    '# What Hearth can do on each server',
    '',
    '<!-- Generated from the drivers by apps/api/test/unit/capability-matrix.test.ts; run it with HEARTH_UPDATE_DOCS=1 to refresh. -->',
    '',
    'The API answers an action a server cannot do with `409 capability/unsupported`, and the web UI',
    'hides it or says why. An adopted Synapse offers what it answered when Hearth probed its Admin',
    'API (`capabilities` of `GET /api/instances/:id`), which can be less than this table.',
    '',
    'Not built yet: Hearth\'s own pages and API for media and federation destinations. Those rows',
    'say what the server offers, which Hearth checks when it adopts one.',
    '',
    header,
    rule,
    ...rows,
    '',
  ].join('\n');
}

export const MATRIX_CAPABILITIES: readonly Capability[] = ACTIONS.map(([capability]) => capability);
