/**
 * The second step of a login: the code of the account's authenticator app ("Authentication
 * code"), or, at an admin's first login, the enrolment of one (admins must have two-step
 * sign-in): the key and its QR code, then the app's first code.
 */
import { type FormEvent, useState } from 'react';

import { FormError, TextField } from '../components/Field';
import { QrCode } from '../components/QrCode';
import { textOf, useFormErrors } from '../components/useForm';
import { usePortal } from '../app/portal';
import type { LoginChallenge, SessionUser } from './session';

/** A code field as authenticator apps show their codes: six digits. */
export function CodeField({ error }: { error?: string | undefined }) {
  return (
    <TextField
      label="Authentication code"
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9 ]*"
      maxLength={7}
      hint="The 6-digit code your authenticator app shows now."
      error={error}
      required
    />
  );
}

/** The key, grouped in fours as authenticator apps ask for it. */
export function SecretKey({ secret }: { secret: string }) {
  return <code className="secret-key">{secret.match(/.{1,4}/g)?.join(' ') ?? secret}</code>;
}

export function TwoStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: LoginChallenge;
  onSignedIn: (user: SessionUser) => void;
  onRestart: () => void;
}) {
  const { session } = usePortal();
  const form = useFormErrors(['code']);
  const [busy, setBusy] = useState(false);
  const [ended, setEnded] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    form.reset();
    setBusy(true);
    try {
      onSignedIn(await session.completeLogin(challenge, textOf(data, 'code') ?? ''));
    } catch (error) {
      form.fail(error);
      if (error instanceof Error && 'code' in error && error.code === 'challenge_ended') setEnded(true);
      setBusy(false);
    }
  }

  const setup = challenge.challenge === 'mfa_setup' ? challenge.totp : undefined;
  return (
    <>
      <FormError message={form.errors.top} />
      {setup ? (
        <div className="enrolment">
          <p>
            Administrators sign in with a password and a code from an authenticator app. Scan this QR code with the app
            (or type the key into it), then enter the code it shows.
          </p>
          <QrCode text={setup.otpauth_uri} label="QR code of the key for your authenticator app" />
          <p>
            Key: <SecretKey secret={setup.secret_code} />
          </p>
        </div>
      ) : (
        <p>Enter the code from your authenticator app.</p>
      )}
      {ended ? (
        <button type="button" className="button-primary button-wide" onClick={onRestart}>
          Log in again
        </button>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <CodeField error={form.field('code')} />
          <button type="submit" className="button-primary button-wide" disabled={busy}>
            {busy ? 'Verifying…' : 'Verify'}
          </button>
        </form>
      )}
    </>
  );
}
