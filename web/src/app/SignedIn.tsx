import type { ReactNode } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router';

import { landingPath, type Role } from '../auth/session';
import { Page } from '../components/Page';
import { Loading } from '../components/Status';
import { Shell } from './Shell';
import { useActing, useSession } from './portal';

/** Every signed-in screen: restores the session first, sends strangers to Login. */
export function SignedIn() {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'restoring') {
    return (
      <main className="auth">
        <Loading>Loading the Partner Portal…</Loading>
      </main>
    );
  }
  if (state.status === 'signed-out') {
    return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  return (
    <Shell user={state.user}>
      <Outlet />
    </Shell>
  );
}

/** The role a screen is for: a "log in as customer" tab is a customer's. */
export function useEffectiveRole(): Role | null {
  const state = useSession();
  const acting = useActing();
  if (state.status !== 'signed-in') return null;
  return acting ? 'customer' : state.user.role;
}

/** A screen for some roles only; others go to their own first screen. */
export function Only({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const state = useSession();
  const acting = useActing();
  const role = useEffectiveRole();
  if (state.status !== 'signed-in' || role === null) return null;
  if (!roles.includes(role)) return <Navigate to={landingPath(state.user, acting !== null)} replace />;
  return <>{children}</>;
}

/** A business screen: a partner first chooses the customer it works on. */
export function NeedsBusiness({ title, children }: { title: string; children: ReactNode }) {
  const state = useSession();
  const acting = useActing();
  if (state.status === 'signed-in' && state.user.role === 'partner' && !acting && !state.user.active_business) {
    return (
      <Page title={title}>
        <p className="alert alert-info">
          Choose the customer you work on first: in <Link to="/customers">My Customers</Link>, select{' '}
          <strong>Make Business Active</strong> on its row.
        </p>
      </Page>
    );
  }
  return <>{children}</>;
}

export function Home() {
  const state = useSession();
  const acting = useActing();
  if (state.status !== 'signed-in') return null;
  return <Navigate to={landingPath(state.user, acting !== null)} replace />;
}

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <Link to="/">Go to your first page</Link>.
      </p>
    </Page>
  );
}
