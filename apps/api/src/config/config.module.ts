import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { HearthConfig } from './config';

export const CONFIG = Symbol('HearthConfig');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HearthConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
