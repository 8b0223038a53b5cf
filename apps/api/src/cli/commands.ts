import type { INestApplicationContext } from '@nestjs/common';
import { CreateOperatorRequest, NewPassword, type Role } from '@hearth/contracts';
import { AuditService } from '../audit/audit.service';
import { LoginThrottleService } from '../auth/login-throttle.service';
import { SecondFactorService } from '../auth/second-factor.service';
import { HearthError } from '../common/hearth-error';
import { generatePassword } from '../crypto/tokens';
import { OperatorsService } from '../operators/operators.service';
import { TokensService } from '../tokens/tokens.service';
import { readPassword } from './read-password';

// CLI actions are audited like API requests; the actor is whoever has shell access to the host.
const CLI_ACTOR = { actorKind: 'system' as const, detail: { via: 'cli' } };

export async function runOperatorCreate(app: INestApplicationContext, options: { email: string; role: Role; displayName?: string; passwordStdin?: boolean }): Promise<void> {
  const password = options.passwordStdin ? await readPassword() : generatePassword();
  const input = CreateOperatorRequest.safeParse({ email: options.email, role: options.role, displayName: options.displayName, password });
  if (!input.success) throw new HearthError('request/invalid', input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const created = await app.get(OperatorsService).create(input.data, 'system');
  await app.get(AuditService).record({ ...CLI_ACTOR, action: 'operator.create', targetType: 'operator', targetId: created.id, result: 'success', detail: { via: 'cli', email: created.email, role: created.role } });
  process.stdout.write(`Created ${created.role} ${created.email} (${created.id})\n`);
  if (!options.passwordStdin) process.stdout.write(`Password (shown once): ${password}\n`);
}

export async function runResetPassword(app: INestApplicationContext, options: { email: string; passwordStdin?: boolean; clearSecondFactor?: boolean }): Promise<void> {
  const password = options.passwordStdin ? await readPassword() : generatePassword();
  const checked = NewPassword.safeParse(password);
  if (!checked.success) throw new HearthError('request/invalid', `password: ${checked.error.issues[0]?.message}`);
  const updated = await app.get(OperatorsService).setPasswordByEmail(options.email, password);
  await app.get(LoginThrottleService).clear(updated.email);
  if (options.clearSecondFactor) await app.get(SecondFactorService).clear(updated.id);
  await app.get(AuditService).record({
    ...CLI_ACTOR,
    action: 'operator.reset-password',
    targetType: 'operator',
    targetId: updated.id,
    result: 'success',
    detail: { via: 'cli', email: updated.email, secondFactorCleared: Boolean(options.clearSecondFactor) },
  });
  process.stdout.write(`Password reset for ${updated.email}; all sessions signed out, login throttling lifted${options.clearSecondFactor ? ', two-factor authentication turned off' : ''}.\n`);
  if (!options.passwordStdin) process.stdout.write(`New password (shown once): ${password}\n`);
}

export async function runTokenCreate(app: INestApplicationContext, options: { email: string; name: string; role?: Role; expiresInDays?: number }): Promise<void> {
  const operator = await app.get(OperatorsService).findByEmail(options.email);
  if (!operator) throw new HearthError('operator/not_found', `No operator with email ${options.email}`);
  const expiresAt = options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000).toISOString() : undefined;
  const created = await app.get(TokensService).create(operator.id, operator.role, { name: options.name, role: options.role, expiresAt });
  await app.get(AuditService).record({ ...CLI_ACTOR, actorId: operator.id, actorEmail: operator.email, action: 'token.create', targetType: 'api-token', targetId: created.id, result: 'success', detail: { via: 'cli', name: options.name } });
  process.stdout.write(`${created.token}\n`);
}
