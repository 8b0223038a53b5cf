import { z } from 'zod';
import { ListQuery } from './common.js';

export const AlertChannelKind = z.enum(['webhook']);

const WebhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);

export const AlertChannel = z.object({
  id: z.string(),
  name: z.string(),
  kind: AlertChannelKind,
  enabled: z.boolean(),
  config: z.object({ url: z.string() }),
  /** Whether deliveries are signed (the secret itself is never returned). */
  signed: z.boolean(),
  createdAt: z.string(),
});
export type AlertChannel = z.infer<typeof AlertChannel>;

export const CreateAlertChannelRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: AlertChannelKind,
    url: WebhookUrl,
    /** Signs each delivery (HMAC-SHA256 in the X-Hearth-Signature header). */
    secret: z.string().min(16).max(200).optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

export const UpdateAlertChannelRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    url: WebhookUrl.optional(),
    secret: z.string().min(16).max(200).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const AlertChannelListQuery = ListQuery.extend({ sort: z.enum(['name', 'createdAt']).default('name') });

export const DeleteAlertChannelQuery = z.object({ reason: z.string().max(500).optional() });

/** POST /api/alert-channels/:id/test: the test alert is queued; the receiver shows whether it arrived. */
export const AlertTestAccepted = z.object({ queued: z.literal(true) });
