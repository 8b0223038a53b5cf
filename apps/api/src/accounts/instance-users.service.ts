import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { AccountSession as AccountSessionView, InstanceUser, InstanceUserListQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso } from '../common/list';
import { generatePassword } from '../crypto/tokens';
import type { Account, AccountSession } from '../drivers/driver';
import { asApiCall, toApiError } from '../instances/driver-errors';
import { AccountLinksService } from './account-links.service';
import { type Operable, OperableInstances } from './operable-instances';

export type BulkAction = 'deactivate' | 'sign-out' | 'erase';

export interface BulkResult {
  succeeded: number;
  failed: number;
  results: { username: string; ok: boolean; code?: string; message?: string }[];
}

/**
 * Accounts on a homeserver, through its driver's admin interface: one synchronous call per
 * request, with the protocol's own rules and the server's errors passed on as API errors.
 */
@Injectable()
export class InstanceUsersService {
  constructor(
    private readonly operable: OperableInstances,
    private readonly links: AccountLinksService,
  ) {}

  /** Searching, filtering and paging happen here: servers differ in what their admin APIs can do. */
  async list(instanceId: string, query: z.output<typeof InstanceUserListQuery>): Promise<{ data: InstanceUser[]; total: number }> {
    const { driver, context } = await this.operable.get(instanceId, 'users.list');
    const needle = query.q?.trim().toLowerCase();
    const matching = (await asApiCall(() => driver.listAccounts(context))).filter(
      (account) =>
        (!needle || account.username.includes(needle) || account.displayName?.toLowerCase().includes(needle)) &&
        (query.admin === undefined || account.admin === query.admin) &&
        (query.deactivated === undefined || account.deactivated === query.deactivated),
    );
    const direction = query.order === 'DESC' ? -1 : 1;
    const key = (account: Account) => (query.sort === 'lastSeenAt' ? (account.lastSeenAt?.getTime() ?? 0) : account.username);
    matching.sort((a, b) => (key(a) < key(b) ? -direction : key(a) > key(b) ? direction : 0));
    const start = (query.page - 1) * query.perPage;
    return { data: matching.slice(start, start + query.perPage).map(toUser), total: matching.length };
  }

  async get(instanceId: string, username: string): Promise<InstanceUser> {
    const { driver, context } = await this.operable.get(instanceId, 'users.list');
    const account = (await asApiCall(() => driver.listAccounts(context))).find((candidate) => candidate.username === username);
    if (!account) throw new HearthError('instance_user/not_found', `${username} does not exist on this server`);
    return toUser(account);
  }

  /** With a password, or with a one-time link where the person chooses it (the operator never learns it). */
  async create(instanceId: string, input: { username: string; password?: string }, operatorId: string): Promise<{ username: string; setPasswordUrl?: string; expiresAt?: string }> {
    const { driver, context } = await this.operable.get(instanceId, 'users.create');
    // Without a password of their own yet, the account gets a random one nobody knows.
    await asApiCall(() => driver.createUser(context, input.username, input.password ?? generatePassword()));
    if (input.password) return { username: input.username };
    return this.setPasswordLink(instanceId, input.username, operatorId);
  }

  async resetPassword(instanceId: string, username: string, input: { password?: string }, operatorId: string): Promise<{ username: string; setPasswordUrl?: string; expiresAt?: string }> {
    const { driver, context } = await this.operable.get(instanceId, 'users.password');
    // Also with a link, the old password stops working now: a taken-over account is locked out at once.
    await asApiCall(() => driver.changePassword(context, username, input.password ?? generatePassword()));
    if (input.password) return { username };
    return this.setPasswordLink(instanceId, username, operatorId);
  }

  async setAdmin(instanceId: string, username: string, admin: boolean): Promise<InstanceUser> {
    const { driver, context } = await this.operable.get(instanceId, 'users.admin');
    await asApiCall(() => driver.setAdmin!(context, username, admin));
    return this.get(instanceId, username);
  }

  async deactivate(instanceId: string, username: string): Promise<InstanceUser> {
    const { driver, context } = await this.operable.get(instanceId, 'users.deactivate');
    await asApiCall(() => driver.deactivateUser!(context, username));
    return this.get(instanceId, username);
  }

  async reactivate(instanceId: string, username: string, password: string): Promise<InstanceUser> {
    const { driver, context } = await this.operable.get(instanceId, 'users.deactivate');
    await asApiCall(() => driver.reactivateUser!(context, username, password));
    return this.get(instanceId, username);
  }

  async erase(instanceId: string, username: string, confirm: string): Promise<void> {
    if (confirm.trim() !== username) throw new HearthError('instance_user/confirmation_mismatch', 'Type the user name exactly to confirm erasing the account');
    const { driver, context } = await this.operable.get(instanceId, 'users.delete');
    const erased = await asApiCall(() => driver.deleteUser(context, username));
    if (!erased) throw new HearthError('instance_user/not_found', `${username} does not exist on this server (or was erased already)`);
  }

  async sessions(instanceId: string, username: string): Promise<{ data: AccountSessionView[]; total: number }> {
    const { driver, context } = await this.operable.get(instanceId, 'sessions.list');
    if (!driver.accountSessions) throw new HearthError('capability/unsupported', `${driver.displayName} lists sessions only server-wide`);
    const sessions = await asApiCall(() => driver.accountSessions!(context, username));
    return { data: sessions.map(toSession), total: sessions.length };
  }

  async revokeSession(instanceId: string, username: string, sessionId: string): Promise<void> {
    const { driver, context } = await this.operable.get(instanceId, 'sessions.revoke');
    if (!(await asApiCall(() => driver.revokeSession!(context, username, sessionId)))) {
      throw new HearthError('instance_user/session_not_found', `${username} has no session ${sessionId}`);
    }
  }

  /** One action on many accounts: each is tried, and the answer says which worked and why others did not. */
  async bulk(instanceId: string, action: BulkAction, usernames: readonly string[], confirm: number | undefined): Promise<BulkResult> {
    if (action === 'erase' && confirm !== usernames.length) {
      throw new HearthError('instance_user/confirmation_mismatch', `Erasing is permanent: confirm with the number of accounts (${usernames.length})`);
    }
    const capability = action === 'erase' ? 'users.delete' : action === 'deactivate' ? 'users.deactivate' : 'sessions.revoke';
    const operable = await this.operable.get(instanceId, capability);
    const results: BulkResult['results'] = [];
    for (const username of new Set(usernames)) {
      try {
        await this.applyOne(operable, action, username);
        results.push({ username, ok: true });
      } catch (error) {
        const failure = toApiError(error);
        if (!(failure instanceof HearthError)) throw failure;
        results.push({ username, ok: false, code: failure.code, message: failure.message });
      }
    }
    const succeeded = results.filter((result) => result.ok).length;
    return { succeeded, failed: results.length - succeeded, results };
  }

  private async applyOne({ driver, context }: Operable, action: BulkAction, username: string): Promise<void> {
    if (action === 'deactivate') return driver.deactivateUser!(context, username);
    if (action === 'erase') {
      if (!(await driver.deleteUser(context, username))) throw new HearthError('instance_user/not_found', `${username} does not exist`);
      return;
    }
    for (const session of await driver.accountSessions!(context, username)) await driver.revokeSession!(context, username, session.id);
  }

  private async setPasswordLink(instanceId: string, username: string, operatorId: string) {
    const { link, url } = await this.links.issue(instanceId, 'set-password', { username }, operatorId);
    return { username, setPasswordUrl: url, expiresAt: link.expiresAt.toISOString() };
  }
}

function toUser(account: Account): InstanceUser {
  return { username: account.username, admin: account.admin, deactivated: account.deactivated, lastSeenAt: iso(account.lastSeenAt), displayName: account.displayName };
}

function toSession(session: AccountSession): AccountSessionView {
  return { id: session.id, displayName: session.displayName, lastSeenAt: iso(session.lastSeenAt), connectedSeconds: session.connectedSeconds };
}
