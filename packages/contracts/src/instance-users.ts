import { z } from 'zod';

/** An account on a homeserver, by its local part (alice, not @alice:family.example or alice@family.example). */
export const InstanceUser = z.object({ username: z.string() });
export type InstanceUser = z.infer<typeof InstanceUser>;

export const InstanceUserList = z.object({ data: z.array(InstanceUser), total: z.number() });

/** Protocol rules (Matrix, XMPP) are checked by the server's driver before anything is sent. */
export const CreateInstanceUserRequest = z
  .object({
    username: z.string().trim().min(1).max(255),
    // The account's owner types it on a phone: 8 is the floor most servers' clients suggest.
    password: z.string().min(8, 'must be at least 8 characters').max(1024),
  })
  .strict();
export type CreateInstanceUserRequest = z.infer<typeof CreateInstanceUserRequest>;
