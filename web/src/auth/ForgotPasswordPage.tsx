import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link } from 'react-router';

import { useApi } from '../app/portal';
import { call } from '../api/client';
import { FormError, TextField } from '../components/Field';
import { textOf, useFormErrors } from '../components/useForm';
import { AuthFrame } from './LoginPage';

/** "Reset Password": the same answer whether or not the address has an account. */
export default function ForgotPasswordPage() {
  const api = useApi();
  const form = useFormErrors(['email']);
  const send = useMutation({
    mutationFn: (email: string) => call(api.POST('/auth/forgot-password', { body: { email } })),
    onError: form.fail,
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    send.mutate(textOf(new FormData(event.currentTarget), 'email') ?? '');
  }

  return (
    <AuthFrame title="Reset Password">
      {send.isSuccess ? (
        <p className="alert alert-success" role="status">
          {send.data.message}
        </p>
      ) : (
        <>
          <p>Enter your business email. If it has an account, we send it a link to choose a new password.</p>
          <FormError message={form.errors.top} />
          <form onSubmit={submit} noValidate>
            <TextField label="Business email" name="email" type="email" autoComplete="username" required error={form.field('email')} />
            <button type="submit" className="button-primary button-wide" disabled={send.isPending}>
              {send.isPending ? 'Sending…' : 'Send Mail'}
            </button>
          </form>
        </>
      )}
      <p className="auth-links">
        <Link to="/login">Back to Login</Link>
      </p>
    </AuthFrame>
  );
}
