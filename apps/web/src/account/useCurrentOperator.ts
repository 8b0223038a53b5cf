import { useGetIdentity } from 'react-admin';
import type { CurrentOperator } from '../authProvider';

/** The signed-in operator as GET /api/auth/me describes them; `refetch` after changing the account. */
export function useCurrentOperator() {
  const { identity, refetch } = useGetIdentity();
  // authProvider.getIdentity returns a CurrentOperator; react-admin only types it as UserIdentity.
  return { operator: identity as CurrentOperator | undefined, refetch };
}
