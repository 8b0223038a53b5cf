import { Module } from '@nestjs/common';
import { AlertChannelsController } from './alert-channels.controller';
import { AlertChannelsService } from './alert-channels.service';
import { AlertDeliveriesService } from './alert-deliveries.service';

@Module({
  controllers: [AlertChannelsController],
  providers: [AlertChannelsService, AlertDeliveriesService],
})
export class AlertsModule {}
