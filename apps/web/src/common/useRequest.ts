import { useState } from 'react';
import { formErrors } from './formErrors';
import { useNotifyError } from './useNotifyError';

/**
 * Runs one request at a time and says whether it is under way; a failure is notified unless the
 * caller handles it. Not a react-query mutation: its cache would keep what was sent (a password)
 * and what came back (a one-time link) after the dialog showing them has closed.
 */
export function useRequest() {
  const [pending, setPending] = useState(false);
  const notifyError = useNotifyError();
  const run = async <T,>(request: () => Promise<T>, onSuccess: (value: T) => void, onError: (error: unknown) => void = notifyError) => {
    setPending(true);
    try {
      const value = await request();
      onSuccess(value);
    } catch (error) {
      onError(error);
    } finally {
      setPending(false);
    }
  };
  return { pending, run };
}

/**
 * useRequest for a form: the form's own checks first, then the request, whose refusal goes under
 * the fields it concerns (`codeFields` maps error codes to fields) or above the form as `problem`.
 */
export function useFormRequest(codeFields: Record<string, string> = {}) {
  const { pending, run } = useRequest();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const submit = async <T,>(found: Record<string, string>, request: () => Promise<T>, onSuccess: (value: T) => void) => {
    setErrors(found);
    setProblem(undefined);
    if (Object.keys(found).length > 0) return;
    await run(request, onSuccess, (error) => {
      const refusal = formErrors(error, codeFields);
      setErrors(refusal.fields);
      setProblem(refusal.problem);
    });
  };
  return { pending, errors, problem, submit };
}
