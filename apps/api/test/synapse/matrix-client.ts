import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The tests log in more often from one address than Synapse's login rate limit allows; they raise
 * it the way an operator would, in homeserver.yaml, which Hearth's settings don't touch.
 */
export const RELAXED_LOGIN_LIMITS = [
  'rc_login:',
  '  address: {per_second: 100, burst_count: 100}',
  '  account: {per_second: 100, burst_count: 100}',
  '  failed_attempts: {per_second: 100, burst_count: 100}',
  '',
].join('\n');

/**
 * A Matrix client's password login, for tests: plain HTTP against the client-server API. Like a
 * real client it waits out Synapse's login rate limit (429 with retry_after_ms), which a test
 * logging in several times from one address soon meets.
 */
export async function matrixLogin(baseUrl: string, username: string, password: string): Promise<{ status: number; token?: string; errcode?: string }> {
  for (;;) {
    const response = await fetch(new URL('/_matrix/client/v3/login', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: username }, password }),
    });
    const body = (await response.json()) as { access_token?: string; errcode?: string; retry_after_ms?: number };
    if (response.status === 429) {
      await sleep(Math.min(body.retry_after_ms ?? 1_000, 30_000));
      continue;
    }
    return { status: response.status, token: body.access_token, errcode: body.errcode };
  }
}

export async function whoami(baseUrl: string, token: string): Promise<number> {
  const response = await fetch(new URL('/_matrix/client/v3/account/whoami', baseUrl), { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}
