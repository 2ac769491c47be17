/**
 * API errors as the console shows them: a sentence for the top of a form and, for
 * validation errors, one per field. Nothing here ever shows raw JSON or a stack trace.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const GENERIC = 'Something went wrong. Please try again.';
const OFFLINE = 'The portal cannot be reached. Check your connection and try again.';

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session has ended. Please log in again.';
  if (status === 403) return 'Your account may not do this.';
  if (status === 404) return 'This was not found. It may have been removed.';
  if (status === 429) return 'Too many attempts. Wait a few minutes and try again.';
  if (status >= 500) return 'The service is temporarily unavailable. Please try again.';
  return GENERIC;
}

/** Builds the error of a non-2xx answer from its (possibly unparsed) body. */
export function toApiError(status: number, body: unknown): ApiError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof record.error === 'string' ? record.error : `http_${status}`;
  const message =
    typeof record.message === 'string' && record.message.trim() !== '' && status < 500
      ? record.message
      : fallbackMessage(status);
  const fields: Record<string, string> = {};
  if (typeof record.fields === 'object' && record.fields !== null) {
    for (const [name, text] of Object.entries(record.fields as Record<string, unknown>)) {
      if (typeof text === 'string') fields[name] = text;
    }
  }
  return new ApiError(status, code, message, fields);
}

/** What a form shows for an error: field messages, and a sentence for the top. */
export interface FormErrors {
  top: string | null;
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { top: null, fields: {} };

/**
 * Splits an error between the form's fields (`known`) and its top: a field the form does
 * not show still gets its message seen, at the top.
 */
export function formErrors(error: unknown, known: readonly string[] = []): FormErrors {
  if (error === null || error === undefined) return NO_ERRORS;
  if (!(error instanceof ApiError)) return { top: messageOf(error), fields: {} };
  const fields: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [name, text] of Object.entries(error.fields)) {
    if (known.includes(name)) fields[name] = text;
    else unknown.push(text);
  }
  const top = unknown.length > 0 ? `${error.message} ${unknown.join(' ')}` : error.message;
  return { top, fields };
}

/** One sentence for any error. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const details = Object.values(error.fields);
    return details.length > 0 ? `${error.message} ${details.join(' ')}` : error.message;
  }
  if (error instanceof TypeError) return OFFLINE;
  return GENERIC;
}
