import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { AccountLinksService } from './account-links.service';
import { InstanceUsersController } from './instance-users.controller';
import { InstanceUsersService } from './instance-users.service';
import { InvitesController } from './invites.controller';
import { LinkThrottleService } from './link-throttle.service';
import { OperableInstances } from './operable-instances';
import { PublicLinksController } from './public-links.controller';
import { RegistrationTokensController } from './registration-tokens.controller';

/** Accounts on the homeservers: users, sessions, invites and set-password links. */
@Module({
  imports: [MonitoringModule],
  controllers: [InstanceUsersController, InvitesController, RegistrationTokensController, PublicLinksController],
  providers: [InstanceUsersService, AccountLinksService, OperableInstances, LinkThrottleService],
  exports: [OperableInstances],
})
export class AccountsModule {}
