import { DriverError, type FederationPolicy, type FederationReadBack, type InstanceContext } from '../driver';
import { type YamlData, YamlSubsetError, readYamlKeys } from '../yaml-reader';
import { synapseRequest } from './synapse-http';
import { SYNAPSE_FEDERATION_MODES, SYNAPSE_PATHS, baseUrlOf } from './synapse.config';

export { SYNAPSE_FEDERATION_MODES };

const KEYS = ['federation_domain_whitelist', 'listeners'] as const;

/**
 * What a Synapse that Hearth runs does about federation, read back rather than assumed: the
 * whitelist from its effective config (homeserver.yaml, then hearth.yaml over it key by key, the
 * way Synapse merges its config files), and from the running server whether it serves the
 * federation API (GET /_matrix/federation/v1/version answers, or 404s without the resource).
 * An adopted server's files are not Hearth's to read.
 */
export async function effectiveSynapseFederation(context: InstanceContext): Promise<FederationReadBack> {
  const { spec } = context;
  if (spec.baseUrl) throw new DriverError('driver/admin_failed', "An adopted server's configuration is its operator's: Hearth can't read its federation back");
  const hearth = await readConfig(context, SYNAPSE_PATHS.hearthConfig, KEYS);
  // homeserver.yaml counts only for what hearth.yaml leaves out (never, unless someone edited it).
  const missing = KEYS.filter((key) => hearth[key] === undefined);
  const operator: Record<string, YamlData | undefined> = missing.length > 0 ? await readConfig(context, SYNAPSE_PATHS.operatorConfig, missing) : {};
  const effective = (key: (typeof KEYS)[number]) => (hearth[key] !== undefined ? { value: hearth[key], from: 'hearth.yaml' } : { value: operator[key], from: 'homeserver.yaml' });

  const whitelist = effective('federation_domain_whitelist');
  const configured = federationListeners(effective('listeners').value);
  const version = await synapseRequest(baseUrlOf(spec), '/_matrix/federation/v1/version', { timeoutMs: 5_000 });
  if (version.status !== 200 && version.status !== 404) {
    throw new DriverError('driver/admin_failed', `GET /_matrix/federation/v1/version answered ${version.status}`);
  }
  const served = version.status === 200;
  const facts = [
    `federation_domain_whitelist: ${whitelist.value === undefined ? 'not set' : JSON.stringify(whitelist.value)} (${whitelist.from})`,
    `federation resource ${configured ? 'configured' : 'not configured'}`,
    `GET /_matrix/federation/v1/version on port ${spec.ports.client}: ${version.status}`,
  ].join('; ');
  const answer = (policy: FederationPolicy | null, why?: string): FederationReadBack => ({ policy, detail: why ? `${why} (${facts})` : facts });

  if (configured !== served) return answer(null, 'The config files and the running server disagree about the federation resource: they changed since it started');
  const allowed = whitelist.value ?? null;
  if (allowed !== null && !(Array.isArray(allowed) && allowed.every((domain) => typeof domain === 'string'))) {
    return answer(null, 'federation_domain_whitelist is not a list of domains');
  }
  if (allowed === null) return served ? answer({ mode: 'open', domains: [] }) : answer(null, 'No federation resource, but requests to any server may go out');
  if (allowed.length === 0) return served ? answer(null, 'The federation API is served, yet the empty whitelist refuses every server') : answer({ mode: 'closed', domains: [] });
  const domains = allowed as string[];
  return served ? answer({ mode: 'allowlist', domains }) : answer(null, `No federation resource, but requests to ${domains.join(', ')} may go out`);
}

async function readConfig(context: InstanceContext, path: string, keys: readonly string[]): Promise<Record<string, YamlData | undefined>> {
  // As the instance's user, like the server reads it.
  const read = await context.runtime.exec(context.spec, 'cat', ['--', path], { timeoutMs: 10_000 });
  if (read.code !== 0) throw new DriverError('driver/admin_failed', `Could not read ${path}: ${read.stderr.trim().slice(0, 300)}`);
  try {
    return readYamlKeys(read.stdout, keys);
  } catch (error) {
    if (error instanceof YamlSubsetError) throw new DriverError('driver/admin_failed', `Hearth can't read ${path}: ${error.message}`);
    throw error;
  }
}

/** Whether an HTTP listener serves the federation resource. */
function federationListeners(listeners: YamlData | undefined): boolean {
  if (!Array.isArray(listeners)) return false;
  return listeners.some((listener) => {
    if (!isObject(listener) || (listener.type ?? 'http') !== 'http' || !Array.isArray(listener.resources)) return false;
    return listener.resources.some((resource) => isObject(resource) && Array.isArray(resource.names) && resource.names.includes('federation'));
  });
}

function isObject(value: YamlData | undefined): value is { [key: string]: YamlData } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
