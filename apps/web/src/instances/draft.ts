import { BindAddress, Domain, InstanceName, type InstanceKind } from '@hearth/contracts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type TlsMode = 'off' | 'self-signed';

/** What the wizard has collected so far; numbers stay text until the request is built. */
export interface InstanceDraft {
  kind: InstanceKind | '';
  domain: string;
  name: string;
  bindAddress: string;
  /** Empty: the server's default. */
  logLevel: LogLevel | '';
  messageRetentionDays: string;
  tlsMode: TlsMode | '';
  healthIntervalSec: string;
}

export const EMPTY_DRAFT: InstanceDraft = {
  kind: '',
  domain: '',
  name: '',
  bindAddress: '127.0.0.1',
  logLevel: '',
  messageRetentionDays: '',
  tlsMode: '',
  healthIntervalSec: '30',
};

/** Field path (as the API names it in its errors) → catalogue key or server message. */
export type FieldErrors = Record<string, string>;

/** Which wizard step asks for which field, by the API's field paths. */
export const STEP_FIELDS: readonly (readonly string[])[] = [
  ['kind', 'runtime'],
  ['domain', 'name'],
  ['bindAddress', 'settings', 'healthIntervalSec'],
];

export function stepOfField(path: string): number {
  const index = STEP_FIELDS.findIndex((fields) => fields.some((field) => path === field || path.startsWith(`${field}.`)));
  return index === -1 ? STEP_FIELDS.length : index;
}

export const logLevelChoices: { id: LogLevel; name: string }[] = [
  { id: 'debug', name: 'hearth.instances.log_level.debug' },
  { id: 'info', name: 'hearth.instances.log_level.info' },
  { id: 'warn', name: 'hearth.instances.log_level.warn' },
  { id: 'error', name: 'hearth.instances.log_level.error' },
];

export const tlsModeChoices: { id: TlsMode; name: string }[] = [
  { id: 'off', name: 'hearth.instances.tls.off' },
  { id: 'self-signed', name: 'hearth.instances.tls.self-signed' },
];

function wholeNumberIn(text: string, min: number, max: number): boolean {
  if (!/^\d+$/.test(text.trim())) return false;
  const value = Number(text);
  return value >= min && value <= max;
}

/** The same rules the API applies, checked before leaving a step; messages are catalogue keys. */
export function validateStep(step: number, draft: InstanceDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (step === 0 && !draft.kind) errors.kind = 'hearth.instances.wizard.kind_required';
  if (step === 1) {
    if (!Domain.safeParse(draft.domain).success) errors.domain = 'hearth.instances.wizard.domain_invalid';
    if (!InstanceName.safeParse(draft.name).success) errors.name = 'hearth.instances.wizard.name_invalid';
  }
  if (step === 2) {
    if (!BindAddress.safeParse(draft.bindAddress.trim()).success) errors.bindAddress = 'hearth.instances.wizard.bind_invalid';
    if (draft.messageRetentionDays.trim() && !wholeNumberIn(draft.messageRetentionDays, 1, 3650)) {
      errors['settings.messageRetentionDays'] = 'hearth.instances.wizard.retention_invalid';
    }
    if (!wholeNumberIn(draft.healthIntervalSec, 5, 3600)) errors.healthIntervalSec = 'hearth.instances.wizard.interval_invalid';
  }
  return errors;
}

/** The name suggested by a domain: its first label, as far as it makes a valid name. */
export function suggestName(domain: string): string {
  const label = domain.trim().toLowerCase().split('.')[0] ?? '';
  return label.replace(/[^a-z0-9-]/g, '').replace(/^-+/, '').slice(0, 40).replace(/-+$/, '');
}

/** The POST /api/instances body; unset settings are left out so the driver's defaults apply. */
export function createRequest(draft: InstanceDraft) {
  const settings: Record<string, unknown> = {};
  if (draft.logLevel) settings.logLevel = draft.logLevel;
  if (draft.messageRetentionDays.trim()) settings.messageRetentionDays = Number(draft.messageRetentionDays);
  if (draft.tlsMode) settings.tls = { mode: draft.tlsMode };
  return {
    name: draft.name.trim(),
    kind: draft.kind,
    domain: draft.domain.trim().toLowerCase(),
    runtime: 'process',
    bindAddress: draft.bindAddress.trim(),
    settings,
    healthIntervalSec: Number(draft.healthIntervalSec),
  };
}
