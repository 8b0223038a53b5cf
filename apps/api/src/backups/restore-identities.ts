import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SecretBox } from '../crypto/secret-box';
import { RedisService } from '../redis/redis.service';

/** Long enough for a queued restore to start behind other jobs; the job deletes it when it ends. */
const TTL_SECONDS = 60 * 60;

/**
 * The operator's age identity on its way from the request to the job that needs it (the API and
 * the worker may be different processes). Never in a job payload, PostgreSQL or a log: Redis
 * holds it sealed with the master key, for one job, for an hour at most.
 */
@Injectable()
export class RestoreIdentities {
  constructor(
    private readonly redis: RedisService,
    private readonly box: SecretBox,
  ) {}

  /** Answers the reference a job payload carries (random, not secret). */
  async hold(identities: readonly string[]): Promise<string> {
    const ref = randomUUID();
    await this.redis.client.set(this.key(ref), this.box.seal(JSON.stringify(identities)), 'EX', TTL_SECONDS);
    return ref;
  }

  /** The identities of this job, or an error an operator can act on. */
  async take(ref: string): Promise<string[]> {
    const sealed = await this.redis.client.get(this.key(ref));
    if (!sealed) throw new Error('The key for this restore is no longer held (Hearth keeps it for one hour, and only until the job ends): start the restore again');
    return JSON.parse(this.box.open(sealed)) as string[];
  }

  async forget(ref: string): Promise<void> {
    await this.redis.client.del(this.key(ref));
  }

  private key(ref: string): string {
    return this.redis.key('restore-identity', ref);
  }
}
