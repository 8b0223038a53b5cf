import { HttpError } from 'react-admin';
import type { ApiErrorBody } from '../api/http';
import { useNotifyError } from '../common/useNotifyError';

/**
 * Turns an account action into a react-admin <Form onSubmit>: field errors from the API, or a
 * known error code pinned to the field it is about, appear under the input; anything else is
 * notified.
 */
export function useAccountFormSubmit<Values extends Record<string, unknown>>(
  action: (values: Values) => Promise<void>,
  fieldByCode: Record<string, keyof Values & string> = {},
) {
  const notifyError = useNotifyError();
  return async (values: Record<string, unknown>) => {
    try {
      await action(values as Values);
    } catch (error) {
      const errors = formErrors(error, fieldByCode);
      if (errors) return errors;
      notifyError(error);
    }
  };
}

function formErrors(error: unknown, fieldByCode: Record<string, string>): Record<string, string> | undefined {
  if (!(error instanceof HttpError)) return undefined;
  const body = (error.body ?? {}) as ApiErrorBody;
  if (body.errors) return body.errors;
  const field = body.code === undefined ? undefined : fieldByCode[body.code];
  return field === undefined ? undefined : { [field]: error.message };
}
