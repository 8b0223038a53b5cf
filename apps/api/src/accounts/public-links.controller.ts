import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { Connection, PublicLink, PublicToken, RedeemLinkRequest } from '@hearth/contracts';
import { Audit, Doc, Public, ValidBody, ValidParams } from '../common/route-meta';
import { audit } from '../common/request-audit';
import { AccountLinksService } from './account-links.service';
import { LinkThrottleService } from './link-throttle.service';

/**
 * What the public invite and set-password pages call: no operator login, the link's token is the
 * credential. Rate limited per address; every use is audited.
 */
@Controller('public/links')
export class PublicLinksController {
  constructor(
    private readonly links: AccountLinksService,
    private readonly throttle: LinkThrottleService,
  ) {}

  @Get(':token')
  @Public()
  @Doc('What a link is for and where it leads, before it is used', PublicLink)
  async describe(@ValidParams(PublicToken) params: z.output<typeof PublicToken>, @Req() request: FastifyRequest) {
    await this.throttle.hit(request.ip);
    const link = await this.links.usable(params.token);
    return {
      purpose: link.purpose,
      serverName: link.instance.name,
      domain: link.instance.domain,
      kind: link.instance.kind,
      fixedUsername: link.username,
      expiresAt: link.expiresAt.toISOString(),
    };
  }

  @Post(':token')
  @Public()
  @HttpCode(200)
  @Audit('account-link.redeem', 'instance')
  @Doc('Use the link: create the account (invite) or set its password; answers how to connect', Connection)
  async redeem(@ValidParams(PublicToken) params: z.output<typeof PublicToken>, @ValidBody(RedeemLinkRequest) body: z.output<typeof RedeemLinkRequest>, @Req() request: FastifyRequest) {
    await this.throttle.hit(request.ip);
    const redeemed = await this.links.redeem(params.token, body);
    audit(request, redeemed.instance.id, { purpose: redeemed.purpose, username: redeemed.username });
    return this.links.connection(redeemed.instance, redeemed.username);
  }
}
