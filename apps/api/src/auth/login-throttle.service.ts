import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { HearthError } from '../common/hearth-error';
import { RedisService } from '../redis/redis.service';

// Per account: after FREE failures each further failure doubles the wait, capped at MAX,
// so an attacker is slowed to a crawl but the owner is never locked out for good.
const ACCOUNT_FREE_FAILURES = 5;
const ACCOUNT_BASE_BLOCK_MS = 30_000;
const ACCOUNT_MAX_BLOCK_MS = 15 * 60_000;
// Per address: a wide net against spraying many accounts from one place.
const IP_MAX_FAILURES = 50;
const IP_BLOCK_MS = 15 * 60_000;
const WINDOW_MS = 60 * 60_000;

@Injectable()
export class LoginThrottleService {
  constructor(private readonly redis: RedisService) {}

  /** Throws auth/throttled (with Retry-After) while the account or the address is blocked. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [accountTtl, ipTtl] = await Promise.all([
      this.redis.client.pttl(this.blockKey('acct', email)),
      this.redis.client.pttl(this.blockKey('ip', ip)),
    ]).catch(() => {
      // Without the counters, guesses could not be slowed down: refuse logins until Redis is back.
      throw new HearthError('service/unavailable', 'Logging in is unavailable while Redis is unreachable');
    });
    const waitMs = Math.max(accountTtl, ipTtl);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new HearthError('auth/throttled', `Too many failed logins; try again in ${seconds} s`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const accountFailures = await this.bump('acct', email);
    if (accountFailures > ACCOUNT_FREE_FAILURES) {
      const exponent = Math.min(accountFailures - ACCOUNT_FREE_FAILURES - 1, 10);
      await this.block('acct', email, Math.min(ACCOUNT_BASE_BLOCK_MS * 2 ** exponent, ACCOUNT_MAX_BLOCK_MS));
    }
    if ((await this.bump('ip', ip)) >= IP_MAX_FAILURES) await this.block('ip', ip, IP_BLOCK_MS);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.clear(email);
  }

  /** Used by `hearth operator reset-password`: the owner's way back in. */
  async clear(email: string): Promise<void> {
    await this.redis.client.del(this.countKey('acct', email), this.blockKey('acct', email));
  }

  private async bump(kind: string, subject: string): Promise<number> {
    const key = this.countKey(kind, subject);
    const [[, count]] = (await this.redis.client.multi().incr(key).pexpire(key, WINDOW_MS).exec()) as [[null, number]];
    return count;
  }

  private async block(kind: string, subject: string, ms: number): Promise<void> {
    await this.redis.client.set(this.blockKey(kind, subject), '1', 'PX', ms);
  }

  // Hashed so Redis never holds email or IP addresses in the clear.
  private countKey(kind: string, subject: string): string {
    return this.redis.key('login', 'fail', kind, digest(subject));
  }

  private blockKey(kind: string, subject: string): string {
    return this.redis.key('login', 'block', kind, digest(subject));
  }
}

function digest(subject: string): string {
  return createHash('sha256').update(subject.toLowerCase()).digest('base64url').slice(0, 22);
}
