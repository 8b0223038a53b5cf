import { DriverError, type FederationMode, type FederationPolicy, type InstanceSpec } from './driver';

/** No federation: what every instance has until an operator chooses otherwise. */
export const FEDERATION_CLOSED: FederationPolicy = { mode: 'closed', domains: [] };

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const MAX_DOMAINS = 1000;

/** Domains only where the mode uses them, lowercase, sorted and without repeats: two equal policies look the same. */
export function normalisePolicy(policy: FederationPolicy): FederationPolicy {
  if (policy.mode === 'open' || policy.mode === 'closed') return { mode: policy.mode, domains: [] };
  return { mode: policy.mode, domains: [...new Set(policy.domains.map((domain) => domain.trim().toLowerCase()))].sort() };
}

export function samePolicy(a: FederationPolicy, b: FederationPolicy): boolean {
  const [left, right] = [normalisePolicy(a), normalisePolicy(b)];
  return left.mode === right.mode && left.domains.join('\n') === right.domains.join('\n');
}

/** Whether remote servers may connect: every mode but closed needs a listener for them. */
export function listensForServers(policy: FederationPolicy): boolean {
  return policy.mode !== 'closed';
}

export function describePolicy(policy: FederationPolicy | null): string {
  if (!policy) return 'none of the policies';
  const { mode, domains } = normalisePolicy(policy);
  return domains.length > 0 ? `${mode} (${domains.join(', ')})` : mode;
}

/**
 * The instance's policy, checked before it goes into a config file: a mode the driver enforces,
 * valid domains, at least one for allowlist and denylist, and not the instance's own domain.
 * Throws DriverError('spec/invalid').
 */
export function federationPolicy(spec: InstanceSpec, modes: readonly FederationMode[]): FederationPolicy {
  const wanted = spec.settings.federation ?? FEDERATION_CLOSED;
  const invalid = (message: string) => new DriverError('spec/invalid', message);
  if (!modes.includes(wanted.mode)) throw invalid(`This server can't enforce a ${wanted.mode} federation policy; it can: ${modes.join(', ')}`);
  const policy = normalisePolicy(wanted);
  if (policy.domains.length > MAX_DOMAINS) throw invalid(`A federation policy names at most ${MAX_DOMAINS} domains`);
  for (const domain of policy.domains) {
    if (!DOMAIN.test(domain)) throw invalid(`${JSON.stringify(domain)} is not a domain name`);
    if (domain === spec.domain) throw invalid(`${domain} is this server's own domain`);
  }
  if ((policy.mode === 'allowlist' || policy.mode === 'denylist') && policy.domains.length === 0) {
    const [name, same] = policy.mode === 'allowlist' ? ['An allowlist', 'closed'] : ['A denylist', 'open'];
    throw invalid(`${name} needs at least one domain (without any it is ${same})`);
  }
  return policy;
}

/** The port remote servers connect to (spec.ports[name]), which no other port of the instance shares; throws spec/invalid. */
export function federationPort(spec: InstanceSpec, name: string): number {
  const port = spec.ports[name];
  if (!Number.isInteger(port) || port < 1 || port > 65535 || Object.entries(spec.ports).some(([other, value]) => other !== name && value === port)) {
    throw new DriverError('spec/invalid', `Federation needs an ${name} port of the instance's own; it has ${port === undefined ? 'none' : port}`);
  }
  return port;
}
