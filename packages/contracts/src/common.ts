import { z } from 'zod';

export const ListQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(500).default(25),
  sort: z.string().max(64).optional(),
  order: z.enum(['ASC', 'DESC']).default('DESC'),
  q: z.string().max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export interface ListResponse<T> {
  data: T[];
  total: number;
}

/** RFC 9457 problem details; `code` is stable and documented in docs/api/errors.md. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export const Email = z.string().trim().toLowerCase().email().max(254);
/** Long enough to resist guessing; no composition rules (NIST SP 800-63B). */
export const NewPassword = z.string().min(12, 'must be at least 12 characters').max(1024);
export const Uuid = z.string().uuid();
/** Path parameters of routes addressed by id (`/things/:id`). */
export const IdParams = z.object({ id: Uuid });
export const IsoDate = z.iso.datetime({ offset: true });

/** Whether `zone` is an IANA time zone this JavaScript runtime knows (the API's and the browser's alike). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
