import type { Instance, InstanceKind } from '@hearth/contracts';
import { useTranslate } from 'react-admin';

/** What Hearth can do with a server's accounts; `Instance.capabilities` lists those the server offers. */
export type AccountCapability =
  | 'users.list'
  | 'users.create'
  | 'users.password'
  | 'users.delete'
  | 'users.deactivate'
  | 'users.admin'
  | 'sessions.list'
  | 'sessions.revoke';

/** Why an action is missing, written out so the catalogue test finds every key. */
const UNSUPPORTED: Record<AccountCapability, string> = {
  'users.list': 'hearth.accounts.unsupported.users_list',
  'users.create': 'hearth.accounts.unsupported.users_create',
  'users.password': 'hearth.accounts.unsupported.users_password',
  'users.delete': 'hearth.accounts.unsupported.users_delete',
  'users.deactivate': 'hearth.accounts.unsupported.users_deactivate',
  'users.admin': 'hearth.accounts.unsupported.users_admin',
  'sessions.list': 'hearth.accounts.unsupported.sessions_list',
  'sessions.revoke': 'hearth.accounts.unsupported.sessions_revoke',
};

export const PROGRAM: Record<InstanceKind, string> = {
  prosody: 'hearth.instances.program.prosody',
  ejabberd: 'hearth.instances.program.ejabberd',
  synapse: 'hearth.instances.program.synapse',
};

export type Protocol = 'matrix' | 'xmpp';

export function protocolOf(kind: InstanceKind): Protocol {
  return kind === 'synapse' ? 'matrix' : 'xmpp';
}

/** The address people type to reach the account: @alice:family.example or alice@family.example. */
export function accountAddress(kind: InstanceKind, username: string, domain: string): string {
  return protocolOf(kind) === 'matrix' ? `@${username}:${domain}` : `${username}@${domain}`;
}

/** Each protocol's rules for user names, in words (the server checks them). */
export const USERNAME_RULES: Record<Protocol, string> = {
  matrix: 'hearth.accounts.username_rules.matrix',
  xmpp: 'hearth.accounts.username_rules.xmpp',
};

/** Its accounts can be managed only while the server runs (as the API insists). */
export function accountsReachable(instance: Instance): boolean {
  return !['provisioning', 'stopped', 'failed'].includes(instance.status);
}

/**
 * Why the server can't do `capability` ("Prosody 0.12.4 cannot lock accounts"), or undefined when
 * it can. Actions it can't do stay visible but disabled, with this as their tooltip.
 */
export function useUnsupported(instance: Instance): (capability: AccountCapability) => string | undefined {
  const translate = useTranslate();
  const server = [translate(PROGRAM[instance.kind]), instance.version].filter(Boolean).join(' ');
  return (capability) => (instance.capabilities.includes(capability) ? undefined : translate(UNSUPPORTED[capability], { server }));
}
