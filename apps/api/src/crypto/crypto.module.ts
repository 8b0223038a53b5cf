import { Global, Module } from '@nestjs/common';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [{ provide: SecretBox, inject: [CONFIG], useFactory: (c: HearthConfig) => SecretBox.load(c.masterKey, c.dataDir) }],
  exports: [SecretBox],
})
export class CryptoModule {}
