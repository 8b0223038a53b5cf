import type { ApiErrorBody } from '../api/http';

/**
 * Where a refused request's message belongs: under the fields the API named (its validation
 * errors, or `codeFields` for codes about one field), else above the form as `problem`.
 */
export function formErrors(error: unknown, codeFields: Record<string, string> = {}): { fields: Record<string, string>; problem?: string } {
  const body = (error as { body?: ApiErrorBody }).body;
  const message = error instanceof Error ? error.message : 'ra.notification.http_error';
  const field = body?.code ? codeFields[body.code] : undefined;
  if (field) return { fields: { [field]: message } };
  const fields = body?.errors ?? {};
  return Object.keys(fields).length > 0 ? { fields } : { fields, problem: message };
}
