import type { FederationMode, FederationPolicy, Instance, InstanceFederation } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { PROGRAM } from '../accounts/accountSupport';

/** The order the dialog offers them in: from no other server to all. */
export const MODES: readonly FederationMode[] = ['closed', 'allowlist', 'denylist', 'open'];

/** Written out (not built from the mode) so the compiler insists on every mode and the catalogue test finds every key. */
export const MODE_TEXT: Record<FederationMode, { label: string; explanation: string }> = {
  closed: { label: 'hearth.federation.mode.closed', explanation: 'hearth.federation.explanation.closed' },
  allowlist: { label: 'hearth.federation.mode.allowlist', explanation: 'hearth.federation.explanation.allowlist' },
  denylist: { label: 'hearth.federation.mode.denylist', explanation: 'hearth.federation.explanation.denylist' },
  open: { label: 'hearth.federation.mode.open', explanation: 'hearth.federation.explanation.open' },
};

export const STATUS_LOOK: Record<InstanceFederation['status'], { label: string; explanation: string; colour: 'success' | 'warning' | 'default' }> = {
  ok: { label: 'hearth.federation.status.ok', explanation: 'hearth.federation.status_explanation.ok', colour: 'success' },
  drift: { label: 'hearth.federation.status.drift', explanation: 'hearth.federation.status_explanation.drift', colour: 'warning' },
  unsupported: { label: 'hearth.federation.status.unsupported', explanation: 'hearth.federation.status_explanation.unsupported', colour: 'default' },
};

/** Why a server program lacks a mode, where the reason is known (docs/federation.md); otherwise a general sentence. */
const UNSUPPORTED: Partial<Record<Instance['kind'], Partial<Record<FederationMode, string>>>> = {
  prosody: { allowlist: 'hearth.federation.unsupported.prosody_lists', denylist: 'hearth.federation.unsupported.prosody_lists' },
  synapse: { denylist: 'hearth.federation.unsupported.synapse_denylist' },
};

export type ListMode = Extract<FederationMode, 'allowlist' | 'denylist'>;

/** Domains go with the two list modes only. */
export function isListMode(mode: FederationMode): mode is ListMode {
  return mode === 'allowlist' || mode === 'denylist';
}

/** The policy in a few words, e.g. "Only listed servers: friends.example, cousins.example". */
export function usePolicySummary(): (policy: FederationPolicy) => string {
  const translate = useTranslate();
  return (policy) => {
    const mode = translate(MODE_TEXT[policy.mode].label);
    return policy.domains.length > 0 ? translate('hearth.federation.summary', { mode, domains: policy.domains.join(', ') }) : mode;
  };
}

/**
 * Why the server can't enforce `mode` ("Prosody 0.12.4 has no list of allowed or refused
 * servers"), or undefined when it can.
 */
export function useUnsupportedMode(instance: Instance, modes: readonly FederationMode[]): (mode: FederationMode) => string | undefined {
  const translate = useTranslate();
  const server = [translate(PROGRAM[instance.kind]), instance.version].filter(Boolean).join(' ');
  return (mode) =>
    modes.includes(mode) ? undefined : translate(UNSUPPORTED[instance.kind]?.[mode] ?? 'hearth.federation.unsupported.other', { server });
}

/** The API reads and changes the policy only while the server runs (as it insists: 502 otherwise). */
export function isFederationReadable(instance: Instance): boolean {
  return !['provisioning', 'stopped', 'failed'].includes(instance.status) && instance.desiredState !== 'stopped';
}
