/**
 * A form's fields and the errors the API gave for them: `fields` messages land next to
 * their inputs, everything else at the top of the form.
 */
import { useState } from 'react';

import { type FormErrors, NO_ERRORS, formErrors } from '../api/errors';

export function useFormErrors(known: readonly string[]) {
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  return {
    errors,
    /** The message of field `name`, if any. */
    field: (name: string): string | undefined => errors.fields[name],
    fail: (error: unknown) => setErrors(formErrors(error, known)),
    reset: () => setErrors(NO_ERRORS),
  };
}

/** The text of a form's field, trimmed; empty is `undefined`. */
export function textOf(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
