import { Inject, Injectable } from '@nestjs/common';
import type { Invite } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso } from '../common/list';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { hashToken, newToken } from '../crypto/tokens';
import { PrismaService } from '../database/prisma.service';
import type { AccountLink, Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { asApiCall } from '../instances/driver-errors';
import { OperableInstances } from './operable-instances';

export type LinkPurpose = 'invite' | 'set-password';

const LINK_PREFIX = 'hl_';
const SET_PASSWORD_HOURS = 72;
const PUBLIC_PATHS: Record<LinkPurpose, string> = { invite: 'invite', 'set-password': 'set-password' };

export interface IssueOptions {
  readonly username?: string;
  readonly maxUses?: number;
  readonly expiresInHours?: number;
  readonly note?: string;
}

/** What a redeemed link leads to: the account, and how to reach the server with it. */
export interface Redeemed {
  readonly purpose: LinkPurpose;
  readonly username: string;
  readonly instance: Instance;
}

/**
 * Links that let someone without an operator login create an account (invites) or choose the
 * password of theirs (set-password). Only the token's hash is kept; the URL is shown once.
 */
@Injectable()
export class AccountLinksService {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly operable: OperableInstances,
  ) {}

  async issue(instanceId: string, purpose: LinkPurpose, options: IssueOptions, createdById: string): Promise<{ link: AccountLink; url: string }> {
    const token = newToken(LINK_PREFIX);
    const link = await this.prisma.accountLink.create({
      data: {
        instanceId,
        purpose,
        tokenHash: hashToken(token),
        username: options.username ?? null,
        maxUses: options.maxUses ?? 1,
        expiresAt: new Date(Date.now() + (options.expiresInHours ?? SET_PASSWORD_HOURS) * 3600_000),
        note: options.note ?? null,
        createdById,
      },
    });
    return { link, url: `${this.config.publicUrl}/${PUBLIC_PATHS[purpose]}/${token}` };
  }

  async listInvites(instanceId: string): Promise<Invite[]> {
    const links = await this.prisma.accountLink.findMany({ where: { instanceId, purpose: 'invite' }, orderBy: { createdAt: 'desc' } });
    return links.map((link) => toInvite(link));
  }

  async revokeInvite(instanceId: string, inviteId: string): Promise<Invite> {
    const found = await this.prisma.accountLink.findFirst({ where: { id: inviteId, instanceId, purpose: 'invite' } });
    if (!found) throw new HearthError('invite/not_found');
    const link = found.revokedAt ? found : await this.prisma.accountLink.update({ where: { id: inviteId }, data: { revokedAt: new Date() } });
    return toInvite(link);
  }

  /** The link, if it can still be used; otherwise why not, in words for the person holding it. */
  async usable(token: string): Promise<AccountLink & { instance: Instance }> {
    const link = await this.prisma.accountLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { instance: true } });
    if (!link) throw new HearthError('link/not_found', 'This link is not valid: check that it was copied completely');
    if (link.revokedAt) throw new HearthError('link/expired', 'This link was withdrawn; ask for a new one');
    if (link.expiresAt <= new Date()) throw new HearthError('link/expired', 'This link has expired; ask for a new one');
    if (link.uses >= link.maxUses) throw new HearthError('link/used_up', 'This link has been used already; ask for a new one');
    return link;
  }

  /**
   * Uses the link: takes one use atomically (a link for one account can't make two), then creates
   * the account or sets its password. A use the server refused (name taken) is given back.
   */
  async redeem(token: string, input: { username?: string; password: string }): Promise<Redeemed> {
    const link = await this.usable(token);
    const username = link.username ?? input.username;
    if (!username) throw new HearthError('request/invalid', 'Choose a user name');
    if (link.username && input.username && input.username !== link.username) {
      throw new HearthError('link/username_fixed', `This invite is for the user name ${link.username}`);
    }
    const capability = link.purpose === 'invite' ? 'users.create' : 'users.password';
    const { driver, context } = await this.operable.get(link.instanceId, capability);
    const taken = await this.prisma.accountLink.updateMany({
      where: { id: link.id, uses: { lt: link.maxUses }, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { uses: { increment: 1 }, lastUsedAt: new Date() },
    });
    if (taken.count === 0) throw new HearthError('link/used_up', 'This link has just been used; ask for a new one');
    try {
      await asApiCall(() =>
        link.purpose === 'invite' ? driver.createUser(context, username, input.password) : driver.changePassword(context, username, input.password),
      );
    } catch (error) {
      await this.prisma.accountLink.update({ where: { id: link.id }, data: { uses: { decrement: 1 } } });
      throw error;
    }
    return { purpose: link.purpose as LinkPurpose, username, instance: link.instance };
  }

  /** How the person reaches the server with their new account. */
  connection(instance: Instance, username: string) {
    const view = this.host.spec(instance);
    if (instance.kind === 'synapse') {
      const settings = view.settings;
      const server = settings.publicBaseUrl ?? instance.baseUrl ?? `http://${view.bindAddress}:${view.ports.client}`;
      return { protocol: 'matrix' as const, address: `@${username}:${instance.domain}`, username, server };
    }
    return { protocol: 'xmpp' as const, address: `${username}@${instance.domain}`, username, server: `${instance.domain} (port ${view.ports.client})` };
  }
}

function toInvite(link: AccountLink): Invite {
  return {
    id: link.id,
    instanceId: link.instanceId,
    fixedUsername: link.username,
    maxUses: link.maxUses,
    uses: link.uses,
    expiresAt: link.expiresAt.toISOString(),
    revokedAt: iso(link.revokedAt),
    createdAt: link.createdAt.toISOString(),
    note: link.note,
  };
}
