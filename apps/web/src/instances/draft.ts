import { BindAddress, Domain, InstanceName, InstanceSettings, type InstanceKind, type InstanceKindAvailability } from '@hearth/contracts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type TlsMode = 'off' | 'self-signed';
/** Where Hearth runs a server it creates: a process of this host, or a container of the engine's. */
export type ManagedRuntime = 'process' | 'container';

/** What the wizard has collected so far; numbers stay text until the request is built. */
export interface InstanceDraft {
  kind: InstanceKind | '';
  /** Chosen with the program: 'container' only when the program offers it (see runtimeOptions). */
  runtime: ManagedRuntime;
  domain: string;
  name: string;
  bindAddress: string;
  /** Empty: the server's default. */
  logLevel: LogLevel | '';
  messageRetentionDays: string;
  tlsMode: TlsMode | '';
  /** Synapse behind a reverse proxy: the URL its clients use; empty: its own address. */
  publicBaseUrl: string;
  healthIntervalSec: string;
}

/** The settings the wizard offers for each server program (the others do not apply to it). */
export type DraftSetting = 'logLevel' | 'messageRetentionDays' | 'tlsMode' | 'publicBaseUrl';

const KIND_SETTINGS: Record<InstanceKind, readonly DraftSetting[]> = {
  prosody: ['logLevel', 'messageRetentionDays', 'tlsMode'],
  ejabberd: ['logLevel', 'messageRetentionDays', 'tlsMode'],
  // Synapse speaks plain HTTP behind a TLS reverse proxy, and keeps history until a retention policy comes.
  synapse: ['logLevel', 'publicBaseUrl'],
};

export function offersSetting(kind: InstanceKind | '', setting: DraftSetting): boolean {
  return kind !== '' && KIND_SETTINGS[kind].includes(setting);
}

/** A setting as entered, trimmed; empty when unset or when the chosen program does not offer it. */
function offeredValue(draft: InstanceDraft, setting: DraftSetting): string {
  return offersSetting(draft.kind, setting) ? draft[setting].trim() : '';
}

export const EMPTY_DRAFT: InstanceDraft = {
  kind: '',
  runtime: 'process',
  domain: '',
  name: '',
  bindAddress: '127.0.0.1',
  logLevel: '',
  messageRetentionDays: '',
  tlsMode: '',
  publicBaseUrl: '',
  healthIntervalSec: '30',
};

/** Hearth can run the program in a container here: it builds images for it and a container engine is configured. */
export function offersContainer(kind: InstanceKindAvailability | undefined): boolean {
  return kind?.runtimes.includes('container') ?? false;
}

/** Whether the program is installed on this host, so it can run as a native process (`available` is the process runtime's). */
export function processReady(kind: InstanceKindAvailability | undefined): boolean {
  return Boolean(kind?.available && kind.runtimes.includes('process'));
}

/** Whether the program can be chosen at all: on some runtime Hearth can create it on. */
export function kindSelectable(kind: InstanceKindAvailability): boolean {
  return processReady(kind) || offersContainer(kind);
}

/** The runtimes offered for the program, in order, and whether each can be chosen; empty when there is no choice to make. */
export function runtimeOptions(kind: InstanceKindAvailability | undefined): { runtime: ManagedRuntime; enabled: boolean }[] {
  if (!kind || !offersContainer(kind)) return [];
  return [
    ...(kind.runtimes.includes('process') ? [{ runtime: 'process' as const, enabled: processReady(kind) }] : []),
    { runtime: 'container' as const, enabled: true },
  ];
}

/** Catalogue keys of each runtime's choice: the label the instance page shows too, and what it means. */
export const RUNTIME_TEXT: Record<ManagedRuntime, { label: string; help: string }> = {
  process: { label: 'hearth.instances.runtime.process', help: 'hearth.instances.wizard.runtime_help_process' },
  container: { label: 'hearth.instances.runtime.container', help: 'hearth.instances.wizard.runtime_help_container' },
};

/** The runtime a newly chosen program starts with: the host's own program when it has it, else a container. */
export function defaultRuntime(kind: InstanceKindAvailability | undefined): ManagedRuntime {
  return processReady(kind) || !offersContainer(kind) ? 'process' : 'container';
}

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

export function wholeNumberIn(text: string, min: number, max: number): boolean {
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
    const retention = offeredValue(draft, 'messageRetentionDays');
    if (retention && !wholeNumberIn(retention, 1, 3650)) {
      errors['settings.messageRetentionDays'] = 'hearth.instances.wizard.retention_invalid';
    }
    const publicBaseUrl = offeredValue(draft, 'publicBaseUrl');
    if (publicBaseUrl && !InstanceSettings.shape.publicBaseUrl.safeParse(publicBaseUrl).success) {
      errors['settings.publicBaseUrl'] = 'hearth.instances.url_invalid';
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

/**
 * The POST /api/instances body; unset settings, and those the program does not offer (left from
 * another choice of program), are left out so the driver's defaults apply.
 */
export function createRequest(draft: InstanceDraft) {
  const settings: Record<string, unknown> = {};
  const retention = offeredValue(draft, 'messageRetentionDays');
  const tlsMode = offeredValue(draft, 'tlsMode');
  const publicBaseUrl = offeredValue(draft, 'publicBaseUrl');
  if (offeredValue(draft, 'logLevel')) settings.logLevel = draft.logLevel;
  if (retention) settings.messageRetentionDays = Number(retention);
  if (tlsMode) settings.tls = { mode: tlsMode };
  if (publicBaseUrl) settings.publicBaseUrl = publicBaseUrl;
  return {
    name: draft.name.trim(),
    kind: draft.kind,
    domain: draft.domain.trim().toLowerCase(),
    runtime: draft.runtime,
    bindAddress: draft.bindAddress.trim(),
    settings,
    healthIntervalSec: Number(draft.healthIntervalSec),
  };
}
