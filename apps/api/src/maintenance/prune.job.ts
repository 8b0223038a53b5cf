import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { DAY_MS } from '../common/time';
import type { JobContext } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';

// Ended sessions are kept a day (to tell "expired" from "unknown"), dead tokens a month
// (so the token list still explains why a script stopped working).
const SESSION_GRACE_MS = DAY_MS;
const TOKEN_GRACE_MS = 30 * DAY_MS;

@Injectable()
export class PruneJob {
  constructor(private readonly prisma: PrismaService) {}

  @JobHandler('console.prune', ['sessions', 'api-tokens'])
  async run(_payload: Record<string, never>, context: JobContext): Promise<{ sessions: number; apiTokens: number }> {
    const sessionCutoff = new Date(Date.now() - SESSION_GRACE_MS);
    const tokenCutoff = new Date(Date.now() - TOKEN_GRACE_MS);
    const sessions = await context.step('sessions', () =>
      this.prisma.session.deleteMany({ where: { OR: [{ expiresAt: { lt: sessionCutoff } }, { revokedAt: { lt: sessionCutoff } }] } }),
    );
    const apiTokens = await context.step('api-tokens', () =>
      this.prisma.apiToken.deleteMany({ where: { OR: [{ expiresAt: { lt: tokenCutoff } }, { revokedAt: { lt: tokenCutoff } }] } }),
    );
    return { sessions: sessions?.count ?? 0, apiTokens: apiTokens?.count ?? 0 };
  }
}
