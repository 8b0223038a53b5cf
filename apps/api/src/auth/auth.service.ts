import { Injectable } from '@nestjs/common';
import type { LoginRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { burnPasswordCheck, verifyPassword } from '../crypto/passwords';
import { PrismaService } from '../database/prisma.service';
import { LoginThrottleService } from './login-throttle.service';
import { SessionsService } from './sessions.service';
import { SecondFactorService } from './second-factor.service';
import type { Operator } from '../generated/prisma/client';

@Injectable()
export class AuthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly throttle: LoginThrottleService,
    private readonly sessions: SessionsService,
    private readonly secondFactor: SecondFactorService,
  ) {}

  async login(input: LoginRequest, ip: string): Promise<{ operator: Operator; token: string; expiresAt: Date }> {
    await this.throttle.assertAllowed(input.email, ip);
    const operator = await this.prisma.operator.findUnique({ where: { email: input.email } });
    const passwordOk = operator ? await verifyPassword(operator.passwordHash, input.password) : await burnPasswordCheck(input.password).then(() => false);
    if (!operator || !passwordOk || operator.disabledAt) {
      await this.throttle.recordFailure(input.email, ip);
      throw new HearthError('auth/invalid_credentials');
    }
    if (operator.totpEnabledAt) {
      // Only after the password was right, so the question itself reveals nothing to a guesser.
      if (!input.totp) throw new HearthError('auth/totp_required', 'Enter the code from your authenticator app, or a recovery code');
      if (!(await this.secondFactor.verifyLoginCode(operator, input.totp))) {
        await this.throttle.recordFailure(input.email, ip);
        throw new HearthError('auth/totp_invalid');
      }
    }
    await this.throttle.recordSuccess(input.email);
    await this.prisma.operator.update({ where: { id: operator.id }, data: { lastLoginAt: new Date() } });
    const session = await this.sessions.open(operator.id);
    return { operator, token: session.token, expiresAt: session.expiresAt };
  }
}
