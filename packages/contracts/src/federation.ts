import { z } from 'zod';
import { Reason } from './instance-users.js';
import { Domain } from './instances.js';

/** Which other servers an instance talks to: none, only the listed domains, all but the listed, or all. */
export const FederationMode = z.enum(['open', 'allowlist', 'denylist', 'closed']);
export type FederationMode = z.infer<typeof FederationMode>;

export const FederationPolicy = z.object({ mode: FederationMode, domains: z.array(z.string()) });
export type FederationPolicy = z.infer<typeof FederationPolicy>;

/** The policy to apply; domains only with allowlist (at least one) and denylist (at least one). */
export const SetFederationRequest = z
  .object({
    mode: FederationMode,
    domains: z.array(Domain).max(1000).default([]),
    reason: Reason.optional(),
  })
  .strict()
  .superRefine((value, context) => {
    const lists = value.mode === 'allowlist' || value.mode === 'denylist';
    if (lists && value.domains.length === 0) context.addIssue({ code: 'custom', path: ['domains'], message: `${value.mode} needs at least one domain` });
    if (!lists && value.domains.length > 0) context.addIssue({ code: 'custom', path: ['domains'], message: `${value.mode} takes no domains` });
  });
export type SetFederationRequest = z.output<typeof SetFederationRequest>;

export const InstanceFederation = z.object({
  /** What Hearth was asked for (closed unless an operator chose otherwise). */
  wanted: FederationPolicy,
  /** What the running server does, read back from it; null when it can't be read or matches no policy. */
  effective: FederationPolicy.nullable(),
  /** ok: the server does what is wanted; drift: it does something else; unsupported: Hearth can't read it back. */
  status: z.enum(['ok', 'drift', 'unsupported']),
  /** What was read, and where from. */
  detail: z.string(),
  /** The modes this server can enforce. */
  modes: z.array(FederationMode),
  /** Where remote servers connect (host:port) while the wanted policy lets them. */
  listener: z.string().nullable(),
});
export type InstanceFederation = z.infer<typeof InstanceFederation>;
