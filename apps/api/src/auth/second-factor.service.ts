import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import QRCode from 'qrcode';
import type { TotpEnrolment } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { verifyPassword } from '../crypto/passwords';
import { SecretBox } from '../crypto/secret-box';
import { base32Encode, newTotpSecret, otpauthUrl, verifyTotp } from '../crypto/totp';
import { PrismaService } from '../database/prisma.service';
import type { Operator } from '../generated/prisma/client';

const RECOVERY_CODE_COUNT = 10;

/** TOTP enrolment and verification, and the single-use recovery codes that back it up. */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
  ) {}

  /** Starts (or restarts) enrolment; the factor is active only after confirm(). */
  async enrol(operatorId: string): Promise<TotpEnrolment> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
    if (operator.totpEnabledAt) throw new HearthError('auth/totp_already_enabled', 'Disable two-factor authentication first to enrol a new device');
    const secret = newTotpSecret();
    await this.prisma.operator.update({ where: { id: operatorId }, data: { totpSecretEnc: this.box.seal(secret), totpLastStep: null } });
    const url = otpauthUrl(secret, operator.email, 'Hearth');
    return { secret, otpauthUrl: url, qrSvg: await QRCode.toString(url, { type: 'svg', margin: 1 }) };
  }

  async confirm(operatorId: string, code: string): Promise<string[]> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
    if (operator.totpEnabledAt) throw new HearthError('auth/totp_already_enabled');
    if (!operator.totpSecretEnc) throw new HearthError('auth/totp_not_enrolled');
    const step = verifyTotp(this.box.open(operator.totpSecretEnc), code, Date.now());
    if (step === undefined) throw new HearthError('auth/totp_invalid', 'The code does not match; check the device clock and try the next code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.prisma.$transaction([
      this.prisma.recoveryCode.deleteMany({ where: { operatorId } }),
      this.prisma.recoveryCode.createMany({ data: codes.map((c) => ({ operatorId, codeHash: hashRecoveryCode(c) })) }),
      this.prisma.operator.update({ where: { id: operatorId }, data: { totpEnabledAt: new Date(), totpLastStep: step } }),
    ]);
    return codes;
  }

  async disable(operatorId: string, password: string): Promise<void> {
    const operator = await this.prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
    if (!(await verifyPassword(operator.passwordHash, password))) throw new HearthError('auth/wrong_password');
    await this.clear(operatorId);
  }

  /** Also used when an owner resets another operator's account (lost device). */
  async clear(operatorId: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.recoveryCode.deleteMany({ where: { operatorId } }),
      this.prisma.operator.update({ where: { id: operatorId }, data: { totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null } }),
    ]);
  }

  /** A current TOTP code (never the same one twice) or an unused recovery code. */
  async verifyLoginCode(operator: Operator, code: string): Promise<boolean> {
    const digits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits) && operator.totpSecretEnc) {
      const step = verifyTotp(this.box.open(operator.totpSecretEnc), digits, Date.now(), operator.totpLastStep);
      if (step === undefined) return false;
      // The conditional update makes two concurrent logins with one code race to a single winner.
      const claimed = await this.prisma.operator.updateMany({
        where: { id: operator.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step },
      });
      return claimed.count === 1;
    }
    const codeHash = hashRecoveryCode(code);
    const candidates = await this.prisma.recoveryCode.findMany({ where: { operatorId: operator.id, usedAt: null } });
    const match = candidates.find((c) => timingSafeEqual(Buffer.from(c.codeHash), Buffer.from(codeHash)));
    if (!match) return false;
    const used = await this.prisma.recoveryCode.updateMany({ where: { id: match.id, usedAt: null }, data: { usedAt: new Date() } });
    return used.count === 1;
  }
}

function newRecoveryCode(): string {
  const raw = base32Encode(randomBytes(10)).toLowerCase();
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12, 16)}`;
}

/** Recovery codes have 80 random bits, so SHA-256 is enough; normalised so dashes and case don't matter. */
function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase()).digest('hex');
}
