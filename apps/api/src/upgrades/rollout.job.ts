import { Injectable } from '@nestjs/common';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';
import { RolloutsService } from './rollouts.service';

/** A rollout's tick: unrecorded, since the upgrades it starts are the jobs operators follow. */
@Injectable()
export class RolloutJob {
  constructor(private readonly rollouts: RolloutsService) {}

  @JobHandler('upgrade.rollout', { recorded: false })
  advance({ rolloutId }: JobPayloads['upgrade.rollout']): Promise<void> {
    return this.rollouts.advance(rolloutId);
  }
}
