import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { InstanceKindAvailability } from '@hearth/contracts';
import { RequirePermission, Doc } from '../common/route-meta';
import { InstancesService } from './instances.service';

@Controller('instance-kinds')
export class InstanceKindsController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @RequirePermission('instances.read')
  @Doc('The homeserver programs this host has (with versions), and how to install a missing one', z.array(InstanceKindAvailability))
  list() {
    return this.instances.kinds();
  }
}
