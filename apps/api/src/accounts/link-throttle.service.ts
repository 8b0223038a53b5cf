import { Injectable } from '@nestjs/common';
import { HearthError } from '../common/hearth-error';
import { RedisService } from '../redis/redis.service';

// Public links need no login, so guessing is slowed per address; a token has 256 random bits,
// which makes guessing hopeless anyway: this keeps the account-creation path from being hammered.
const MAX_PER_WINDOW = 30;
const WINDOW_MS = 10 * 60_000;

@Injectable()
export class LinkThrottleService {
  constructor(private readonly redis: RedisService) {}

  /** Counts one request from `ip`; throws link/throttled (with Retry-After) past the limit. */
  async hit(ip: string): Promise<void> {
    const key = this.redis.key('links', 'ip', ip);
    const [[, count], [, ttl]] = (await this.redis.client
      .multi()
      .incr(key)
      .pttl(key)
      .exec()
      .catch(() => {
        throw new HearthError('service/unavailable', 'Invite links are unavailable while Redis is unreachable');
      })) as [[null, number], [null, number]];
    if (ttl < 0) await this.redis.client.pexpire(key, WINDOW_MS);
    if (count > MAX_PER_WINDOW) {
      const seconds = Math.ceil((ttl > 0 ? ttl : WINDOW_MS) / 1000);
      throw new HearthError('link/throttled', `Too many attempts from your address; try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
    }
  }
}
