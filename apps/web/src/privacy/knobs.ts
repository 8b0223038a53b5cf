import { type FederationMode, PolicyKnobs, SetFederationRequest } from '@hearth/contracts';
import { isListMode } from '../federation/modes';

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** Knobs kept for a number of days: null keeps it for good, 0 keeps none. */
export const DAYS_KNOBS = ['messageDays', 'mediaDays', 'remoteMediaDays', 'ipDays', 'redactedDays', 'offlineDays', 'auditDays', 'jobDays'] as const;
export type DaysKnob = (typeof DAYS_KNOBS)[number];
export const SWITCH_KNOBS = ['pushContent', 'presence', 'urlPreviews', 'logIps'] as const;
export type SwitchKnob = (typeof SWITCH_KNOBS)[number];
/** Plain whole numbers, each with its range (and unit, for days). */
export const NUMBER_KNOBS = { healthSampleDays: { min: 1, max: 3650, days: true }, backupsKept: { min: 1, max: 1000, days: false } } as const;
export type NumberKnob = keyof typeof NUMBER_KNOBS;
export type Knob = keyof PolicyKnobs;

const DAYS_MAX = 36_500;

/**
 * Each knob's label and a line on what it covers (and on which servers). Written out, not built
 * from the knob's name, so the compiler insists on every knob and the catalogue test finds every key.
 */
export const KNOB_TEXT: Record<Knob, { label: string; help: string }> = {
  messageDays: { label: 'hearth.privacy.knobs.messageDays.label', help: 'hearth.privacy.knobs.messageDays.help' },
  mediaDays: { label: 'hearth.privacy.knobs.mediaDays.label', help: 'hearth.privacy.knobs.mediaDays.help' },
  remoteMediaDays: { label: 'hearth.privacy.knobs.remoteMediaDays.label', help: 'hearth.privacy.knobs.remoteMediaDays.help' },
  ipDays: { label: 'hearth.privacy.knobs.ipDays.label', help: 'hearth.privacy.knobs.ipDays.help' },
  redactedDays: { label: 'hearth.privacy.knobs.redactedDays.label', help: 'hearth.privacy.knobs.redactedDays.help' },
  offlineDays: { label: 'hearth.privacy.knobs.offlineDays.label', help: 'hearth.privacy.knobs.offlineDays.help' },
  pushContent: { label: 'hearth.privacy.knobs.pushContent.label', help: 'hearth.privacy.knobs.pushContent.help' },
  presence: { label: 'hearth.privacy.knobs.presence.label', help: 'hearth.privacy.knobs.presence.help' },
  urlPreviews: { label: 'hearth.privacy.knobs.urlPreviews.label', help: 'hearth.privacy.knobs.urlPreviews.help' },
  trustedKeyServers: { label: 'hearth.privacy.knobs.trustedKeyServers.label', help: 'hearth.privacy.knobs.trustedKeyServers.help' },
  logLevel: { label: 'hearth.privacy.knobs.logLevel.label', help: 'hearth.privacy.knobs.logLevel.help' },
  logIps: { label: 'hearth.privacy.knobs.logIps.label', help: 'hearth.privacy.knobs.logIps.help' },
  federation: { label: 'hearth.privacy.knobs.federation.label', help: 'hearth.privacy.knobs.federation.help' },
  auditDays: { label: 'hearth.privacy.knobs.auditDays.label', help: 'hearth.privacy.knobs.auditDays.help' },
  healthSampleDays: { label: 'hearth.privacy.knobs.healthSampleDays.label', help: 'hearth.privacy.knobs.healthSampleDays.help' },
  jobDays: { label: 'hearth.privacy.knobs.jobDays.label', help: 'hearth.privacy.knobs.jobDays.help' },
  backupsKept: { label: 'hearth.privacy.knobs.backupsKept.label', help: 'hearth.privacy.knobs.backupsKept.help' },
};

/** The knobs by what they are about, in the order the form and the policy page show them. */
export const KNOB_GROUPS: readonly { title: string; knobs: readonly Knob[] }[] = [
  { title: 'hearth.privacy.groups.messages', knobs: ['messageDays', 'mediaDays', 'remoteMediaDays', 'redactedDays', 'offlineDays'] },
  { title: 'hearth.privacy.groups.people', knobs: ['ipDays', 'presence', 'pushContent', 'urlPreviews'] },
  { title: 'hearth.privacy.groups.logs', knobs: ['logLevel', 'logIps'] },
  { title: 'hearth.privacy.groups.servers', knobs: ['federation', 'trustedKeyServers'] },
  { title: 'hearth.privacy.groups.console', knobs: ['auditDays', 'healthSampleDays', 'jobDays', 'backupsKept'] },
];

export const LOG_LEVELS: readonly PolicyKnobs['logLevel'][] = ['debug', 'info', 'warn', 'error'];

export const LOG_LEVEL_LABEL: Record<PolicyKnobs['logLevel'], string> = {
  debug: 'hearth.instances.log_level.debug',
  info: 'hearth.instances.log_level.info',
  warn: 'hearth.instances.log_level.warn',
  error: 'hearth.instances.log_level.error',
};

export type DaysChoice = 'days' | 'forever' | 'none';

/** A days knob as the form edits it: which of the three, and the number typed (kept while another is chosen). */
export interface DaysDraft {
  choice: DaysChoice;
  days: string;
}

/** The knobs as the form edits them: numbers and lists as typed, until the request is built. */
export type KnobsDraft = Record<DaysKnob, DaysDraft> &
  Record<SwitchKnob, boolean> &
  Record<NumberKnob, string> & {
    logLevel: PolicyKnobs['logLevel'];
    /** One a line. */
    trustedKeyServers: string;
    federationMode: FederationMode;
    /** One a line. */
    federationDomains: string;
  };

export interface PolicyDraft {
  name: string;
  description: string;
  knobs: KnobsDraft;
}

/** Names typed one a line (commas and spaces separate them too). */
export function linesOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

function daysDraft(value: number | null): DaysDraft {
  if (value === null) return { choice: 'forever', days: '' };
  if (value === 0) return { choice: 'none', days: '' };
  return { choice: 'days', days: String(value) };
}

function daysValue({ choice, days }: DaysDraft): number | null {
  if (choice === 'forever') return null;
  if (choice === 'none') return 0;
  // Anything but digits fails the contract's check (NaN is no integer).
  return /^\d+$/.test(days.trim()) ? Number(days) : Number.NaN;
}

function wholeNumber(text: string): number {
  return /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
}

export function draftOf(knobs: PolicyKnobs): KnobsDraft {
  return {
    ...(Object.fromEntries(DAYS_KNOBS.map((knob) => [knob, daysDraft(knobs[knob])])) as Record<DaysKnob, DaysDraft>),
    ...(Object.fromEntries(SWITCH_KNOBS.map((knob) => [knob, knobs[knob]])) as Record<SwitchKnob, boolean>),
    healthSampleDays: String(knobs.healthSampleDays),
    backupsKept: String(knobs.backupsKept),
    logLevel: knobs.logLevel,
    trustedKeyServers: knobs.trustedKeyServers.join('\n'),
    federationMode: knobs.federation.mode,
    federationDomains: knobs.federation.domains.join('\n'),
  };
}

export function knobsOf(draft: KnobsDraft): PolicyKnobs {
  return {
    ...(Object.fromEntries(DAYS_KNOBS.map((knob) => [knob, daysValue(draft[knob])])) as Record<DaysKnob, number | null>),
    ...(Object.fromEntries(SWITCH_KNOBS.map((knob) => [knob, draft[knob]])) as Record<SwitchKnob, boolean>),
    healthSampleDays: wholeNumber(draft.healthSampleDays),
    backupsKept: wholeNumber(draft.backupsKept),
    logLevel: draft.logLevel,
    trustedKeyServers: linesOf(draft.trustedKeyServers),
    federation: { mode: draft.federationMode, domains: isListMode(draft.federationMode) ? linesOf(draft.federationDomains) : [] },
  };
}

/**
 * The contract's checks on the knobs, by field path (knobs.messageDays...), in the form's words;
 * federation gets the checks of the Federation card (domains only with a list, and valid ones).
 */
export function checkKnobs(knobs: PolicyKnobs, translate: Translate): Record<string, string> {
  const errors: Record<string, string> = {};
  const parsed = PolicyKnobs.safeParse(knobs);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const knob = issue.path[0] as Knob;
    const path = `knobs.${knob}`;
    if (errors[path]) continue;
    if ((DAYS_KNOBS as readonly string[]).includes(knob)) errors[path] = translate('hearth.privacy.form.days_invalid', { max: DAYS_MAX });
    else if (knob in NUMBER_KNOBS) {
      const { min, max } = NUMBER_KNOBS[knob as NumberKnob];
      errors[path] = translate('hearth.privacy.form.number_invalid', { min, max });
    }
    else if (knob === 'trustedKeyServers') errors[path] = translate('hearth.privacy.form.key_servers_invalid');
    else errors[path] = issue.message;
  }
  const federation = SetFederationRequest.safeParse(knobs.federation);
  if (!federation.success) {
    const domains = knobs.federation.domains;
    const invalid = [...new Set(federation.error.issues.filter((issue) => typeof issue.path[1] === 'number').map((issue) => domains[issue.path[1] as number]))];
    errors['knobs.federation'] =
      invalid.length > 0
        ? translate('hearth.federation.dialog.domains_invalid', { smart_count: invalid.length, domains: invalid.join(', ') })
        : domains.length === 0
          ? translate('hearth.federation.dialog.domains_required')
          : translate('hearth.federation.dialog.domains_too_many');
  }
  return errors;
}

/** The knobs whose value differs: what an update sends, since any knob sent applies the policy again. */
export function changedKnobs(before: PolicyKnobs, after: PolicyKnobs): Partial<PolicyKnobs> {
  const keys = Object.keys(after) as Knob[];
  return Object.fromEntries(keys.filter((knob) => JSON.stringify(before[knob]) !== JSON.stringify(after[knob])).map((knob) => [knob, after[knob]]));
}
