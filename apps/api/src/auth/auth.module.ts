import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountService } from './account.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { SecondFactorService } from './second-factor.service';
import { SessionsService } from './sessions.service';

@Global()
@Module({
  controllers: [AuthController],
  providers: [AuthService, AccountService, SessionsService, SecondFactorService, LoginThrottleService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [SessionsService, SecondFactorService, LoginThrottleService],
})
export class AuthModule {}
