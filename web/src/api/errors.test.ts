import { describe, expect, it } from 'vitest';

import { ApiError, formErrors, messageOf, toApiError } from './errors';

describe('API errors', () => {
  it('keeps the code, the message and the field messages of a 4xx', () => {
    const error = toApiError(422, {
      error: 'validation_failed',
      message: 'Please correct the highlighted fields.',
      fields: { email: 'Use your business email address.', 'contacts[0].name': 'Enter a name.' },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('Please correct the highlighted fields.');
    expect(error.fields).toEqual({ email: 'Use your business email address.', 'contacts[0].name': 'Enter a name.' });
  });

  it('never shows a body it cannot read, or a 5xx body, to a person', () => {
    expect(toApiError(502, '<html>Bad gateway</html>').message).toBe('The service is temporarily unavailable. Please try again.');
    expect(toApiError(500, { message: 'panicked at src/lib.rs:12' }).message).not.toContain('panicked');
    expect(toApiError(404, undefined).message).toBe('This was not found. It may have been removed.');
    expect(toApiError(400, { error: 'bad_request', message: '  ' }).message).toBe('Something went wrong. Please try again.');
    expect(toApiError(409, { fields: { a: 3 } }).fields).toEqual({});
  });

  it('puts field messages at their fields and the rest at the top of the form', () => {
    const error = toApiError(422, {
      error: 'validation_failed',
      message: 'Please correct the highlighted fields.',
      fields: { email: 'Use your business email address.', version: 'Send the version.' },
    });
    expect(formErrors(error, ['email'])).toEqual({
      top: 'Please correct the highlighted fields. Send the version.',
      fields: { email: 'Use your business email address.' },
    });
    expect(formErrors(toApiError(401, { error: 'invalid_credentials', message: 'The email address or password is incorrect.' }))).toEqual({
      top: 'The email address or password is incorrect.',
      fields: {},
    });
    expect(formErrors(null)).toEqual({ top: null, fields: {} });
  });

  it('says the portal cannot be reached when the network failed, and nothing technical otherwise', () => {
    expect(messageOf(new TypeError('Failed to fetch'))).toBe('The portal cannot be reached. Check your connection and try again.');
    expect(messageOf(new Error('undefined is not a function'))).toBe('Something went wrong. Please try again.');
    expect(messageOf(toApiError(422, { message: 'Fix it.', fields: { a: 'A is wrong.' } }))).toBe('Fix it. A is wrong.');
  });
});
