import type { z } from 'zod';
import type { Connection, PublicLink, RedeemLinkRequest } from '@hearth/contracts';
import { api } from '../api/http';

export type LinkDescription = z.infer<typeof PublicLink>;
export type ConnectionDetails = z.infer<typeof Connection>;

const linkPath = (token: string) => `/public/links/${encodeURIComponent(token)}`;

/** What the link is for and where it leads; no login, the token is the credential. */
export const describeLink = (token: string, signal?: AbortSignal) => api<LinkDescription>(linkPath(token), { signal });

/** Creates the account (invite) or sets its password; answers how to connect. */
export const redeemLink = (token: string, body: z.input<typeof RedeemLinkRequest>) =>
  api<ConnectionDetails>(linkPath(token), { method: 'POST', body });
