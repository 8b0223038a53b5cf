import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DriverError, type FederationPolicy, type FederationReadBack, type InstanceContext } from '../driver';
import { probeHost } from '../validation';
import { type YamlData, YamlSubsetError, readYamlKeys } from '../yaml-reader';
import type { EjabberdHttpApi } from './ejabberd-http-api';

/** Either "only these" or "all but these": what a first-match list of allow/deny over server ACLs comes to. */
type ServerRule = { readonly allowOnly: readonly string[] } | { readonly allowAllBut: readonly string[] };

/**
 * What the running ejabberd does about federation. dump_config writes the configuration the node
 * loaded (not the file, which may have changed since), read here for s2s_access, the rule and
 * ACLs it names, and the s2s listeners; a listener also has to answer an s2s stream header.
 */
export async function effectiveEjabberdFederation(context: InstanceContext, api: EjabberdHttpApi): Promise<FederationReadBack> {
  const config = await dumpConfig(context, api, ['s2s_access', 'access_rules', 'acl', 'listen']);
  const access = config.s2s_access === undefined ? 'all' : config.s2s_access;
  const rule = serverRule(access, config.access_rules, config.acl);
  const ports = s2sListeners(config.listen);
  const answering: string[] = [];
  for (const port of ports) if (await answersS2s(probeHost(context.spec.bindAddress), port, context.spec.domain)) answering.push(String(port));
  const facts = [
    `s2s_access: ${JSON.stringify(access)}`,
    describeRule(rule),
    ports.length === 0 ? 'no ejabberd_s2s_in listener' : `ejabberd_s2s_in on port ${ports.join(', ')}${answering.length < ports.length ? ` (answering: ${answering.join(', ') || 'none'})` : ''}`,
    'dump_config',
  ].join('; ');
  const answer = (policy: FederationPolicy | null, why?: string): FederationReadBack => ({ policy, detail: why ? `${why} (${facts})` : facts });

  if (!rule) return answer(null, 'The s2s access rule uses more than allow and deny of whole servers');
  const listening = ports.length > 0 && answering.length === ports.length;
  if (ports.length > 0 && !listening) return answer(null, 'An s2s listener does not answer');
  const refusesAll = 'allowOnly' in rule && rule.allowOnly.length === 0;
  if (!listening) return refusesAll ? answer({ mode: 'closed', domains: [] }) : answer(null, 'Outgoing only: no listener takes remote servers');
  if (refusesAll) return answer(null, 'A listener takes remote servers, but the rule refuses every one');
  if ('allowOnly' in rule) return answer({ mode: 'allowlist', domains: rule.allowOnly });
  return rule.allowAllBut.length > 0 ? answer({ mode: 'denylist', domains: rule.allowAllBut }) : answer({ mode: 'open', domains: [] });
}

function describeRule(rule: ServerRule | undefined): string {
  if (!rule) return 'a rule Hearth does not read';
  if ('allowOnly' in rule) return rule.allowOnly.length > 0 ? `allows only ${rule.allowOnly.join(', ')}` : 'allows no server';
  return rule.allowAllBut.length > 0 ? `allows every server but ${rule.allowAllBut.join(', ')}` : 'allows every server';
}

/** These top-level keys of the configuration the node loaded (dump_config), undefined where it has none. */
export async function dumpConfig(context: InstanceContext, api: EjabberdHttpApi, keys: readonly string[]): Promise<Record<string, YamlData | undefined>> {
  // In the instance user's home, which the node may write; a name of its own per read, removed after.
  const file = join('home', `dump-config-${randomBytes(6).toString('hex')}.yml`);
  try {
    await api.call('dump_config', { out: join(context.spec.dir, file) });
    const read = await context.runtime.exec(context.spec, 'cat', ['--', file], { timeoutMs: 10_000 });
    if (read.code !== 0) throw new DriverError('driver/admin_failed', `Could not read ejabberd's dump_config: ${read.stderr.trim().slice(0, 300)}`);
    return readYamlKeys(read.stdout, keys);
  } catch (error) {
    if (error instanceof YamlSubsetError) throw new DriverError('driver/admin_failed', `Hearth can't read ejabberd's dump_config: ${error.message}`);
    if (error instanceof DriverError) throw error;
    throw new DriverError('driver/admin_failed', (error as Error).message);
  } finally {
    await context.runtime.exec(context.spec, 'rm', ['-f', '--', file], { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

/**
 * Evaluates the rule the way ejabberd does (first match wins, no match denies) over ACLs that
 * name whole servers; undefined for anything else (user patterns, IP ranges, other rules).
 */
export function serverRule(access: YamlData, rules: YamlData | undefined, acls: YamlData | undefined): ServerRule | undefined {
  if (access === 'all') return { allowAllBut: [] };
  if (access === 'none') return { allowOnly: [] };
  if (typeof access !== 'string' || !isMapping(rules) || !Object.hasOwn(rules, access)) return undefined;
  const entries = ruleEntries(rules[access]);
  if (!entries) return undefined;
  const allowed = new Set<string>();
  const refused = new Set<string>();
  for (const [action, aclName] of entries) {
    if (aclName === 'all') return action === 'allow' ? { allowAllBut: [...refused].sort() } : { allowOnly: [...allowed].sort() };
    if (aclName === 'none') continue;
    const servers = aclServers(acls, aclName);
    if (!servers) return undefined;
    for (const server of servers) if (!allowed.has(server) && !refused.has(server)) (action === 'allow' ? allowed : refused).add(server);
  }
  return { allowOnly: [...allowed].sort() };
}

/** `{allow: a, deny: b}` or `[{allow: a}, {deny: b}]`, as [action, ACL name] pairs in order. */
function ruleEntries(rule: YamlData): Array<['allow' | 'deny', string]> | undefined {
  const items = Array.isArray(rule) ? rule : [rule];
  const entries: Array<['allow' | 'deny', string]> = [];
  for (const item of items) {
    if (!isMapping(item)) return undefined;
    for (const [action, names] of Object.entries(item)) {
      if (action !== 'allow' && action !== 'deny') return undefined;
      for (const name of Array.isArray(names) ? names : [names]) {
        if (typeof name !== 'string') return undefined;
        entries.push([action, name]);
      }
    }
  }
  return entries;
}

function aclServers(acls: YamlData | undefined, name: string): string[] | undefined {
  if (!isMapping(acls) || !isMapping(acls[name])) return undefined;
  const acl = acls[name] as { [key: string]: YamlData };
  if (Object.keys(acl).some((key) => key !== 'server')) return undefined;
  const servers = Array.isArray(acl.server) ? acl.server : [acl.server];
  return servers.every((server) => typeof server === 'string') ? (servers as string[]).map((server) => server.toLowerCase()) : undefined;
}

function s2sListeners(listen: YamlData | undefined): number[] {
  if (!Array.isArray(listen)) return [];
  return listen.filter((listener) => isMapping(listener) && listener.module === 'ejabberd_s2s_in' && typeof listener.port === 'number').map((listener) => (listener as { port: number }).port);
}

function isMapping(value: YamlData | undefined): value is { [key: string]: YamlData } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Opens a server-to-server stream and waits for the server's stream header. */
function answersS2s(host: string, port: number, domain: string, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host, port });
    socket.setEncoding('utf8');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () =>
      socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' to='${domain}' version='1.0'>`),
    );
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (/<stream:stream[\s>]/.test(received)) done(true);
      else if (received.length > 65536) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
