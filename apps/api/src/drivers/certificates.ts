import { join } from 'node:path';
import { DriverError, type InstanceContext } from './driver';
import { effectiveTls } from './validation';

/** Where a self-signed certificate goes: certs/<domain>.crt and .key (Prosody finds them there by name). */
export function selfSignedPaths(domain: string): { directory: string; certificate: string; key: string } {
  return { directory: 'certs', certificate: join('certs', `${domain}.crt`), key: join('certs', `${domain}.key`) };
}

/**
 * Makes a self-signed certificate for the domain and its subdomains unless one is there. Runs
 * as the instance's user, so the key belongs to it and never passes through Hearth.
 * $1: path without extension, $2: domain (validated: letters, digits, dots, dashes).
 */
const SELF_SIGNED_SCRIPT = [
  'umask 077',
  '[ -s "$1.crt" ] && [ -s "$1.key" ] && exit 0',
  'exec openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" -addext "subjectAltName=DNS:$2,DNS:*.$2" 2>&1',
].join('\n');

export async function ensureSelfSignedCertificate({ spec, runtime }: InstanceContext): Promise<void> {
  if (effectiveTls(spec).mode !== 'self-signed') return;
  const base = join(selfSignedPaths(spec.domain).directory, spec.domain);
  const result = await runtime.exec(spec, '/bin/sh', ['-c', SELF_SIGNED_SCRIPT, 'sh', base, spec.domain]);
  if (result.code !== 0) throw new DriverError('driver/admin_failed', `openssl could not make a certificate: ${(result.stdout + result.stderr).trim()}`);
}
