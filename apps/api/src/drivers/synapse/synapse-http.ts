import { createHmac } from 'node:crypto';
import { DriverError } from '../driver';

/** What a Synapse endpoint answered: the status and the parsed JSON body (or the text when it is not JSON). */
export interface SynapseResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export interface SynapseRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** An access token, sent as a bearer token; never part of an error message. */
  readonly token?: string;
  readonly body?: unknown;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One HTTP request to a Synapse server (client, admin or federation API). Network failures become
 * DriverError('driver/unavailable') naming the URL but never the token or the body, which may
 * hold passwords.
 */
export async function synapseRequest<T = unknown>(baseUrl: string, path: string, options: SynapseRequest = {}): Promise<SynapseResponse<T>> {
  // Relative to the base URL, so a server behind a path prefix (https://example.org/matrix/) works.
  const url = new URL(path.replace(/^\//, ''), withSlash(baseUrl));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (error) {
    throw new DriverError('driver/unavailable', `No answer from ${url.origin}${url.pathname}: ${describeFetchError(error)}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's error page, /health's "OK"): the caller decides what that means.
  }
  return { status: response.status, body: body as T };
}

/** Matrix errors carry errcode and error; anything else is described by its status. */
export function matrixError(response: SynapseResponse): { errcode?: string; message: string } {
  const body = response.body as { errcode?: unknown; error?: unknown } | string;
  if (typeof body === 'object' && body !== null) {
    const errcode = typeof body.errcode === 'string' ? body.errcode : undefined;
    const error = typeof body.error === 'string' ? body.error : undefined;
    return { errcode, message: `${response.status}${errcode ? ` ${errcode}` : ''}${error ? `: ${error}` : ''}` };
  }
  return { message: `${response.status}` };
}

/**
 * Registers an account with the registration shared secret (Synapse's /_synapse/admin/v1/register):
 * a nonce, then an HMAC-SHA1 over nonce, user, password and admin flag, keyed with the secret.
 * Answers the new account's access token.
 */
export async function registerWithSharedSecret(
  baseUrl: string,
  sharedSecret: string,
  account: { readonly username: string; readonly password: string; readonly admin: boolean },
): Promise<{ userId: string; accessToken: string } | { inUse: true }> {
  const nonce = await synapseRequest<{ nonce?: string }>(baseUrl, '/_synapse/admin/v1/register');
  if (nonce.status !== 200 || typeof nonce.body.nonce !== 'string') {
    throw new DriverError('driver/admin_failed', `Shared-secret registration is not available: ${matrixError(nonce).message}`);
  }
  const mac = createHmac('sha1', sharedSecret)
    .update([nonce.body.nonce, account.username, account.password, account.admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  const registered = await synapseRequest<{ user_id?: string; access_token?: string }>(baseUrl, '/_synapse/admin/v1/register', {
    method: 'POST',
    body: { nonce: nonce.body.nonce, username: account.username, password: account.password, admin: account.admin, mac },
  });
  if (registered.status === 200 && registered.body.access_token && registered.body.user_id) {
    return { userId: registered.body.user_id, accessToken: registered.body.access_token };
  }
  const failure = matrixError(registered);
  if (failure.errcode === 'M_USER_IN_USE') return { inUse: true };
  if (registered.status === 403 || registered.status === 401) {
    throw new DriverError('driver/admin_failed', `The server refused the registration shared secret (${failure.message})`);
  }
  throw new DriverError('driver/admin_failed', `Shared-secret registration failed: ${failure.message}`);
}

function withSlash(baseUrl: string): string {
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
