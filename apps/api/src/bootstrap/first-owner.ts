import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import type { HearthConfig } from '../config/config';
import { generatePassword } from '../crypto/tokens';
import { OperatorsService } from '../operators/operators.service';
import { AuditService } from '../audit/audit.service';

/**
 * On the very first start (no operators at all) creates the owner: from HEARTH_ADMIN_EMAIL /
 * HEARTH_ADMIN_PASSWORD, or with a generated password printed once to the terminal.
 */
export async function ensureFirstOwner(app: INestApplicationContext, config: HearthConfig, print: (text: string) => void): Promise<void> {
  const operators = app.get(OperatorsService);
  if ((await operators.count()) > 0) return;
  const email = config.admin?.email ?? 'admin@hearth.local';
  const password = config.admin?.password ?? generatePassword();
  const owner = await operators.create({ email, password, role: 'owner' }, 'system');
  await app.get(AuditService).record({ actorKind: 'system', action: 'operator.create', targetType: 'operator', targetId: owner.id, result: 'success', detail: { email, role: 'owner', via: 'first-start' } });
  new Logger('Bootstrap').log({ msg: 'first owner created', email });
  if (!config.admin?.password) {
    // Printed to the terminal, not the structured log: log collectors must never see it.
    print(`\n  Hearth created the first owner account.\n    email:    ${email}\n    password: ${password}\n  It is shown only this once. Log in and change it under Account.\n\n`);
  }
}
