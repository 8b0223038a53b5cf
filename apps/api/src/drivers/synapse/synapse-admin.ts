import { type Capability, DriverError } from '../driver';
import { type SynapseResponse, matrixError, synapseRequest } from './synapse-http';

export interface SynapseUser {
  readonly name: string;
  readonly admin?: boolean | number;
  readonly deactivated?: boolean | number;
  readonly locked?: boolean;
  readonly displayname?: string | null;
  readonly last_seen_ts?: number | null;
}

export interface SynapseDevice {
  readonly device_id: string;
  readonly display_name?: string | null;
  readonly last_seen_ts?: number | null;
}

/** A Synapse server's client and Admin APIs, with one access token (Hearth's admin account's, or an adopted server's). */
export class SynapseAdmin {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<SynapseResponse<T>> {
    return synapseRequest<T>(this.baseUrl, path, { method, body, token: this.token });
  }

  /** Fails with driver/admin_failed unless the status is one of `expected`. */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, expected: readonly number[] = [200]): Promise<SynapseResponse<T>> {
    const response = await this.request<T>(method, path, body);
    if (!expected.includes(response.status)) {
      throw new DriverError('driver/admin_failed', `Synapse's ${method} ${path.split('?')[0]} failed: ${matrixError(response).message}`);
    }
    return response;
  }

  /** The token's own user id, or undefined when the server does not accept the token. */
  async whoami(): Promise<string | undefined> {
    const response = await this.request<{ user_id?: string }>('GET', '/_matrix/client/v3/account/whoami');
    return response.status === 200 && typeof response.body.user_id === 'string' ? response.body.user_id : undefined;
  }

  async user(userId: string): Promise<SynapseUser | undefined> {
    const response = await this.call<SynapseUser>('GET', `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, undefined, [200, 404]);
    return response.status === 200 ? response.body : undefined;
  }

  /** Every local, non-guest account (deactivated and locked ones too, if asked), following the server's paging. */
  async users(options: { deactivated?: boolean } = {}): Promise<SynapseUser[]> {
    const found: SynapseUser[] = [];
    for (let from: string | undefined = '0'; from !== undefined; ) {
      const query = `from=${encodeURIComponent(from)}&limit=500&guests=false&deactivated=${options.deactivated ? 'true' : 'false'}&locked=${options.deactivated ? 'true' : 'false'}`;
      const page: SynapseResponse<{ users: SynapseUser[]; next_token?: string | number }> = await this.call('GET', `/_synapse/admin/v2/users?${query}`);
      found.push(...page.body.users);
      from = page.body.next_token === undefined ? undefined : String(page.body.next_token);
    }
    return found;
  }

  /**
   * What this server's Admin API answers for this token, each probed with a harmless GET:
   * Synapse answers them all; Tuwunel, Conduit and others only some. A 403 means the token is
   * not an admin's.
   */
  async capabilities(selfId: string): Promise<{ capabilities: Capability[]; forbidden: boolean }> {
    const self = encodeURIComponent(selfId);
    const probes: [string, readonly Capability[]][] = [
      ['/_synapse/admin/v2/users?limit=1', ['users.list', 'users.create', 'users.password', 'users.delete', 'users.deactivate', 'users.admin']],
      [`/_synapse/admin/v2/users/${self}/devices`, ['sessions.list', 'sessions.revoke']],
      ['/_synapse/admin/v1/registration_tokens', ['registration-tokens']],
      ['/_synapse/admin/v1/rooms?limit=1', ['rooms']],
      ['/_synapse/admin/v1/event_reports?limit=1', ['reports']],
      [`/_synapse/admin/v1/users/${self}/media?limit=1`, ['media']],
      ['/_synapse/admin/v1/federation/destinations?limit=1', ['federation.destinations']],
    ];
    const answers = await Promise.all(probes.map(([path]) => this.request('GET', path)));
    const capabilities = probes.flatMap(([, granted], index) => (answers[index].status === 200 ? granted : []));
    return { capabilities: [...new Set(capabilities)].sort(), forbidden: answers.some((answer) => answer.status === 403) };
  }
}

/** Logs in with a password; answers a new access token. */
export async function passwordLogin(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await synapseRequest<{ access_token?: string }>(baseUrl, '/_matrix/client/v3/login', {
    method: 'POST',
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: username }, password, initial_device_display_name: 'Hearth' },
  });
  if (response.status !== 200 || !response.body.access_token) {
    throw new DriverError('driver/admin_failed', `Hearth's admin account could not log in: ${matrixError(response).message}`);
  }
  return response.body.access_token;
}
