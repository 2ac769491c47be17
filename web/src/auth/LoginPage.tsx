import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';

import { useActing, usePortal, useSession } from '../app/portal';
import { FormError, TextField } from '../components/Field';
import { textOf, useFormErrors } from '../components/useForm';
import { type LoginChallenge, type SessionUser, landingPath } from './session';
import { TwoStep } from './TwoStep';

/** Where a signed-out visitor was going, so Login can take them there afterwards. */
export interface FromState {
  from?: string;
}

/** The frame of the screens before login: the brand, the title, a card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Partner Portal`;
  }, [title]);
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand brand-dark">Partner Portal</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export default function LoginPage() {
  const { session } = usePortal();
  const state = useSession();
  const acting = useActing();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as FromState | null)?.from;
  const form = useFormErrors([]);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<LoginChallenge | null>(null);

  if (state.status === 'signed-in' && !busy) {
    return <Navigate to={from ?? landingPath(state.user, acting !== null)} replace />;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    form.reset();
    setBusy(true);
    try {
      const outcome = await session.login(textOf(data, 'email') ?? '', (data.get('password') as string | null) ?? '');
      if (outcome.kind === 'challenge') setChallenge(outcome.challenge);
      else open(outcome.user);
    } catch (error) {
      form.fail(error);
    } finally {
      setBusy(false);
    }
  }

  function open(user: SessionUser) {
    void navigate(from ?? landingPath(user, acting !== null), { replace: true });
  }

  if (challenge) {
    return (
      <AuthFrame title={challenge.challenge === 'mfa_setup' ? 'Set Up Two-Step Sign-In' : 'Authentication Code'}>
        <TwoStep challenge={challenge} onSignedIn={open} onRestart={() => setChallenge(null)} />
      </AuthFrame>
    );
  }

  const notice = state.status === 'signed-out' ? state.notice : null;
  return (
    <AuthFrame title="Login">
      {notice && !form.errors.top ? (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      ) : null}
      <FormError message={form.errors.top} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField label="Business email" name="email" type="email" autoComplete="username" required />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" className="button-primary button-wide" disabled={busy}>
          {busy ? 'Logging in…' : 'Login'}
        </button>
      </form>
      <p className="auth-links">
        <Link to="/forgot-password">Don’t remember your password?</Link>
      </p>
      <p className="auth-links">
        New to the portal? <a href="/signup">Sign Up</a>
      </p>
    </AuthFrame>
  );
}
