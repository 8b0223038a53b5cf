import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { DriverError, type InstanceSpec, type PortRequirement, type ServerRetention, type TlsSettings } from './driver';
import { retentionOf } from './retention';

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_PATTERN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
// Characters a JID's local part can't have (RFC 7622) plus quotes, so no config or shell quoting matters.
const USERNAME_FORBIDDEN = /[\s"&'/:<>@\\\p{Cc}]/u;
// Unix socket paths are limited to 107 bytes (sun_path).
const MAX_SOCKET_PATH = 107;

export function isLoopback(address: string): boolean {
  return (isIP(address) === 4 && address.startsWith('127.')) || address === '::1';
}

/** Where a local probe connects for a server bound to `bindAddress`. */
export function probeHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0') return '127.0.0.1';
  if (bindAddress === '::') return '::1';
  return bindAddress;
}

export function effectiveTls(spec: InstanceSpec): TlsSettings {
  return spec.settings.tls ?? (isLoopback(spec.bindAddress) ? { mode: 'off' } : { mode: 'self-signed' });
}

/** The knobs counted in days: null keeps for good, 0 keeps none. */
type DayKnob = 'messageDays' | 'mediaDays' | 'remoteMediaDays' | 'ipDays' | 'redactedDays' | 'offlineDays';

const DAY_KNOBS: readonly DayKnob[] = ['messageDays', 'mediaDays', 'remoteMediaDays', 'ipDays', 'redactedDays', 'offlineDays'];
const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);
const MAX_DAYS = 36_500;

/**
 * The retention knobs a driver renders and enforces: retentionOf(spec), checked so that each can
 * go into a config file or a command as it is (whole days 0-36500 or null, a known log level,
 * booleans).
 */
export function retentionKnobs(spec: Pick<InstanceSpec, 'settings'>): ServerRetention {
  const knobs = retentionOf(spec);
  const invalid = (message: string) => new DriverError('spec/invalid', `Retention: ${message}`);
  for (const knob of DAY_KNOBS) {
    const days = knobs[knob];
    if (days !== null && !(Number.isInteger(days) && days >= 0 && days <= MAX_DAYS)) throw invalid(`${knob} must be null or a whole number of days, 0-${MAX_DAYS}`);
  }
  if (!LOG_LEVELS.has(knobs.logLevel)) throw invalid(`logLevel must be one of ${[...LOG_LEVELS].join(', ')}`);
  for (const knob of ['pushContent', 'presence', 'urlPreviews', 'logIps'] as const) {
    if (typeof knobs[knob] !== 'boolean') throw invalid(`${knob} must be true or false`);
  }
  return knobs;
}

/** Checks everything a driver puts into a config file or a command line. */
export function validateSpec(spec: InstanceSpec, ports: readonly PortRequirement[]): void {
  const invalid = (message: string) => new DriverError('spec/invalid', message);
  if (!ID_PATTERN.test(spec.id)) throw invalid(`Instance id ${JSON.stringify(spec.id)}: use lowercase letters, digits, '-' and '_' (at most 63)`);
  if (!DOMAIN_PATTERN.test(spec.domain)) throw invalid(`${JSON.stringify(spec.domain)} is not a valid lowercase domain name`);
  if (isIP(spec.bindAddress) === 0) throw invalid(`Bind address ${JSON.stringify(spec.bindAddress)} is not an IP address`);
  if (!isAbsolute(spec.dir) || resolve(spec.dir) !== spec.dir || /["'\\\n\r]/.test(spec.dir)) {
    throw invalid(`The instance directory must be an absolute, normalised path without quotes: ${JSON.stringify(spec.dir)}`);
  }
  const seen = new Set<number>();
  for (const { name } of ports) {
    const port = spec.ports[name];
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`Port ${name} is missing or invalid`);
    if (seen.has(port)) throw invalid(`Port ${port} is given twice`);
    seen.add(port);
  }
  if (spec.kind !== 'synapse' && (spec.settings.database || spec.settings.publicBaseUrl)) {
    throw invalid('database and publicBaseUrl are Synapse settings; XMPP servers keep their data in their own directory');
  }
  const days = spec.settings.messageRetentionDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 0 && days <= 3650)) throw invalid('messageRetentionDays must be a whole number of days, 0-3650');
  const tls = effectiveTls(spec);
  if (tls.mode === 'off' && !isLoopback(spec.bindAddress)) {
    throw invalid('Plaintext client connections are only allowed on a loopback address; choose self-signed or certificate files');
  }
  if (tls.mode === 'files') {
    for (const path of [tls.certificate, tls.key]) {
      if (!isAbsolute(path) || /["'\\\n\r]/.test(path)) throw invalid(`Certificate paths must be absolute, without quotes: ${JSON.stringify(path)}`);
    }
  }
  const share = spec.settings.fileShare;
  if (share) {
    let url: URL | undefined;
    try {
      url = new URL(share.externalUrl);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || /["'\\]/.test(share.externalUrl)) throw invalid('fileShare.externalUrl must be an http(s) URL');
    if (share.retentionDays !== undefined && !(Number.isInteger(share.retentionDays) && share.retentionDays >= 1 && share.retentionDays <= 365)) {
      throw invalid('fileShare.retentionDays must be 1-365');
    }
    if (share.maxFileBytes !== undefined && !(Number.isInteger(share.maxFileBytes) && share.maxFileBytes > 0)) throw invalid('fileShare.maxFileBytes must be positive');
  }
}

export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new DriverError('spec/invalid', `The admin socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter data directory`);
  }
}

/**
 * A local part Hearth accepts: what servers accept minus characters that need quoting anywhere,
 * and lowercase, since servers case-fold it (an uppercase name would silently become another).
 */
export function checkUsername(username: string): void {
  if (typeof username !== 'string' || username.length === 0 || username.length > 64) {
    throw new DriverError('user/invalid', 'A user name has 1 to 64 characters');
  }
  if (USERNAME_FORBIDDEN.test(username) || username !== username.normalize('NFC')) {
    throw new DriverError('user/invalid', `${JSON.stringify(username)} contains characters a user name can't have`);
  }
  if (username !== username.toLowerCase()) throw new DriverError('user/invalid', 'User names are lowercase');
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0 || password.length > 1024 || password.includes('\0')) {
    throw new DriverError('user/invalid', 'A password has 1 to 1024 characters and no NUL');
  }
}
