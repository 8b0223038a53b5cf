import type { z } from 'zod';
import { CreateUpgradeRollout, type Instance, InstanceKind, type InstanceVersions, type ServerVersion, isTimeZone } from '@hearth/contracts';

/** The days of the week as the form lists them, Monday first; the API counts 0 = Sunday. */
export const WEEK: readonly number[] = [1, 2, 3, 4, 5, 6, 0];

/** When Hearth may take the servers down, as the form edits it (off: upgrades start at once). */
export interface WindowDraft {
  enabled: boolean;
  /** HH:MM, as a time input gives it; empty until filled. */
  start: string;
  end: string;
  timezone: string;
  /** Every day ticked means no restriction to some days. */
  days: number[];
}

export interface RolloutDraft {
  kind: InstanceKind | '';
  /** A Debian suite (or a version id) offered by the servers' own versions. */
  to: string;
  /** The servers of the kind ticked: all of them by default. */
  instanceIds: string[];
  targetId: string;
  recipientIds: string[];
  window: WindowDraft;
  reason: string;
}

/** The operator's own time zone, as the browser knows it. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The time zones this browser knows (IANA names), UTC and the operator's own first. */
export function timeZones(own = browserTimeZone()): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([own, 'UTC', ...known])];
}

export function emptyWindow(timezone = browserTimeZone()): WindowDraft {
  return { enabled: false, start: '', end: '', timezone, days: [...WEEK] };
}

/** The programs Hearth runs at least one server of (adopted servers are not upgraded by it), in the contract's order. */
export function kindsOf(instances: readonly Pick<Instance, 'kind' | 'managed'>[]): InstanceKind[] {
  return InstanceKind.options.filter((kind) => instances.some((instance) => instance.managed && instance.kind === kind));
}

/** The servers of `kind` a rollout may take: those Hearth runs, by name. */
export function serversOf<T extends Pick<Instance, 'kind' | 'managed' | 'name'>>(instances: readonly T[], kind: InstanceKind | ''): T[] {
  return instances.filter((instance) => instance.managed && instance.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
}

/** A value `to` can take: a suite (or a version without one, by id), and the versions it means on these servers. */
export interface VersionChoice {
  value: string;
  /** Upstream version numbers found for it, e.g. ['13.0.1']; empty while unknown (not installed or built yet). */
  versions: string[];
}

/** The version a rollout to `to` moves a server to: matched by id or suite, as the API does, among those not unavailable. */
export function versionFor(versions: readonly ServerVersion[], to: string): ServerVersion | undefined {
  return versions.find((version) => (version.id === to || version.suite === to) && version.state !== 'unavailable');
}

/** What the servers' own versions offer, by suite: what a rollout can move them to. */
export function versionChoices(answers: readonly InstanceVersions[]): VersionChoice[] {
  const choices = new Map<string, Set<string>>();
  for (const answer of answers) {
    for (const version of answer.versions) {
      if (version.state === 'unavailable') continue;
      const value = version.suite ?? version.id;
      const numbers = choices.get(value) ?? new Set<string>();
      if (version.version) numbers.add(version.version);
      choices.set(value, numbers);
    }
  }
  return [...choices]
    .map(([value, numbers]) => ({ value, versions: [...numbers].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })) }))
    .sort((a, b) => a.value.localeCompare(b.value));
}

/** What a rollout to `to` would do to one server, as the API decides it when the rollout is made. */
export type ServerPlan =
  | { outcome: 'moves'; from: string; to: string }
  | { outcome: 'current'; version: string }
  | { outcome: 'missing' };

export function planFor(versions: InstanceVersions, to: string): ServerPlan {
  const target = versionFor(versions.versions, to);
  if (!target) return { outcome: 'missing' };
  const label = target.version ?? target.id;
  if (target.current) return { outcome: 'current', version: label };
  return { outcome: 'moves', from: versions.current.version ?? versions.current.id, to: label };
}

/** HH:MM from a time input (which may add seconds). */
const minutes = (value: string) => value.slice(0, 5);

/**
 * The request the form sends: servers listed only when some are left out, a window only when
 * chosen (its days only when not every day), a reason only when given.
 */
export function rolloutRequest(draft: RolloutDraft, serversOfKind: readonly string[]): z.input<typeof CreateUpgradeRollout> {
  const subset = draft.instanceIds.length < serversOfKind.length || draft.instanceIds.some((id) => !serversOfKind.includes(id));
  const { window } = draft;
  const everyDay = WEEK.every((day) => window.days.includes(day));
  return {
    kind: draft.kind as InstanceKind,
    to: draft.to,
    ...(subset ? { instanceIds: [...draft.instanceIds] } : {}),
    targetId: draft.targetId,
    recipientIds: [...draft.recipientIds],
    ...(window.enabled
      ? {
          window: {
            start: minutes(window.start),
            end: minutes(window.end),
            timezone: window.timezone,
            ...(everyDay ? {} : { days: [...window.days].sort((a, b) => a - b) }),
          },
        }
      : {}),
    ...(draft.reason.trim() ? { reason: draft.reason.trim() } : {}),
  };
}

/**
 * The form's own checks, as catalogue keys by field (`window.start`, ...): what is missing, and
 * what the contract would refuse. The API checks it all again.
 */
export function checkRollout(draft: RolloutDraft, serversOfKind: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  if (!draft.kind) found.kind = 'ra.validation.required';
  if (!draft.to) found.to = 'ra.validation.required';
  if (draft.instanceIds.length === 0) found.instanceIds = 'hearth.rollouts.form.servers_required';
  if (!draft.targetId) found.targetId = 'ra.validation.required';
  if (draft.recipientIds.length === 0) found.recipientIds = 'hearth.backups.choice.recipients_required';
  const { window } = draft;
  if (window.enabled) {
    if (!window.start) found['window.start'] = 'ra.validation.required';
    if (!window.end) found['window.end'] = 'ra.validation.required';
    if (window.start && window.end && minutes(window.start) === minutes(window.end)) found['window.end'] = 'hearth.rollouts.window.same';
    if (!isTimeZone(window.timezone)) found['window.timezone'] = 'hearth.rollouts.window.timezone_unknown';
    if (window.days.length === 0) found['window.days'] = 'hearth.rollouts.window.days_required';
  }
  if (Object.keys(found).length > 0) return found;
  // Anything else the contract refuses (a time the input let through, say), under its field.
  const parsed = CreateUpgradeRollout.safeParse(rolloutRequest(draft, serversOfKind));
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const path = issue.path.slice(0, 2).join('.');
    found[path] ??= issue.message;
  }
  return found;
}
