import type { AuthProvider, UserIdentity } from 'react-admin';
import type { LoginRequest, LoginResponse, Me } from '@hearth/contracts';
import { api } from './api/http';

export type CurrentOperator = Me & UserIdentity;

/**
 * The signed-in operator, cached in memory for this tab only. The session itself is the
 * httpOnly cookie set by login; the token in the login answer is for scripts and is dropped.
 */
let operator: Promise<Me> | undefined;

function fetchOperator(): Promise<Me> {
  const request = api<Me>('/auth/me');
  operator = request;
  request.catch(() => {
    if (operator === request) operator = undefined;
  });
  return request;
}

const currentOperator = () => operator ?? fetchOperator();

/** A 401 means the session is gone, except the codes that judge a password or code the user just typed. */
function isSessionGone(error: { status?: number; body?: { code?: string } } | undefined): boolean {
  return error?.status === 401 && (error.body?.code ?? 'auth/unauthenticated') === 'auth/unauthenticated';
}

export const authProvider: AuthProvider = {
  async login({ email, password, totp }: LoginRequest) {
    operator = undefined;
    await api<LoginResponse>('/auth/login', { method: 'POST', body: { email, password, totp: totp || undefined } });
  },

  async logout() {
    operator = undefined;
    // Signing out here must work even when the session already expired or the API is unreachable.
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
  },

  async checkAuth() {
    await currentOperator().catch((error) => {
      // message: false keeps react-admin from showing an error banner on the way to the login page.
      throw isSessionGone(error) ? { message: false } : error;
    });
  },

  async checkError(error) {
    if (isSessionGone(error)) {
      operator = undefined;
      throw error;
    }
  },

  async getIdentity(): Promise<CurrentOperator> {
    const me = await fetchOperator();
    return { ...me, fullName: me.displayName ?? me.email };
  },

  async getPermissions() {
    return (await currentOperator()).role;
  },

  async canAccess({ resource, action }) {
    // The permission table brings the contracts' zod schemas (~32 kB gzipped) with it; importing
    // it on first use keeps them off the sign-in page.
    const [{ canUse }, me] = await Promise.all([import('./access'), currentOperator()]);
    return canUse(me.role, resource, action);
  },
};
