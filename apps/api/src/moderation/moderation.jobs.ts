import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperableInstances } from '../accounts/operable-instances';
import { DriverError } from '../drivers/driver';
import type { JobContext } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';

// A notice is a message per account (on Synapse, a room per account on the first one): paced so a big announcement
// doesn't crowd out the people using the server.
const NOTICES_PER_SECOND = 5;

@Injectable()
export class ModerationJobs {
  constructor(private readonly operable: OperableInstances) {}

  @JobHandler('room.delete', ['delete'])
  async deleteRoom({ instanceId, roomId, block }: JobPayloads['room.delete'], job: JobContext): Promise<void> {
    await job.step('delete', async () => {
      const { driver, context } = await this.operable.get(instanceId, 'rooms');
      await driver.deleteRoom!(context, roomId, { block });
    });
  }

  @JobHandler('room.purge-history', ['purge'])
  async purgeHistory({ instanceId, roomId, before }: JobPayloads['room.purge-history'], job: JobContext): Promise<void> {
    await job.step('purge', async () => {
      const { driver, context } = await this.operable.get(instanceId, 'rooms');
      await driver.purgeRoomHistory!(context, roomId, new Date(before));
    });
  }

  /** Each account once; an account that disappeared meanwhile is skipped, any other failure stops the job. */
  @JobHandler('instance.announce', ['send'])
  async announce({ instanceId, text, usernames }: JobPayloads['instance.announce'], job: JobContext): Promise<{ sent: number; skipped: string[] }> {
    let sent = 0;
    const skipped: string[] = [];
    await job.step('send', async () => {
      const { driver, context } = await this.operable.get(instanceId, 'server-notices');
      const targets = usernames ?? (await driver.listAccounts(context)).filter((account) => !account.deactivated).map((account) => account.username);
      for (const [index, username] of targets.entries()) {
        try {
          await driver.sendServerNotice!(context, username, text);
          sent++;
        } catch (error) {
          if (!(error instanceof DriverError && error.code === 'user/not_found')) throw error;
          skipped.push(username);
        }
        job.progress(((index + 1) / targets.length) * 100, `${index + 1} of ${targets.length} accounts`);
        await sleep(1000 / NOTICES_PER_SECOND);
      }
    });
    return { sent, skipped };
  }
}
