/**
 * The frame of every signed-in screen: the header (who is signed in, the partner's active
 * business, the admins' Pending Approvals notification, Logout), the left menu, the banner of
 * a "log in as customer" tab, and the screen itself.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, NavLink, useNavigate } from 'react-router';

import { call } from '../api/client';
import type { SessionUser } from '../auth/session';
import { ErrorMessage, Notice } from '../components/Status';
import { navigationFor } from './navigation';
import { useActing, useApi, useImpersonationNotice, usePortal } from './portal';

function PendingApprovalsNotification() {
  const api = useApi();
  const count = useQuery({
    queryKey: ['approvals', 'count'],
    queryFn: () => call(api.GET('/admin/approvals/count')),
    refetchInterval: 60_000,
  });
  const pending = count.data?.pending;
  return (
    <Link to="/approvals" className="notification">
      Pending Approvals{' '}
      <span className={pending ? 'count count-active' : 'count'}>{pending === undefined ? '…' : pending}</span>
    </Link>
  );
}

function ActingBanner() {
  const acting = useActing();
  const { api, impersonation } = usePortal();
  const navigate = useNavigate();
  const end = useMutation({
    mutationFn: (token: string) =>
      call(api.DELETE('/partner/impersonation', { params: { header: { 'X-Impersonation-Token': token } } })),
    onSettled: () => {
      // Ended or already over: either way this tab stops acting.
      impersonation.clear(null);
      void navigate('/customers');
    },
  });
  if (!acting) return null;
  return (
    <section className="acting-banner" aria-label="Acting as a customer">
      <p>
        You are acting as <strong>{acting.businessName}</strong>
      </p>
      <button type="button" className="button-light" onClick={() => end.mutate(acting.token)} disabled={end.isPending}>
        End
      </button>
    </section>
  );
}

function Who({ user }: { user: SessionUser }) {
  const acting = useActing();
  return (
    <div className="who">
      <span className="who-name">
        {user.first_name} {user.last_name}
      </span>
      <span className="who-detail">
        {acting ? `for ${acting.businessName}` : (user.business_name ?? 'Portal administrator')}
      </span>
      {user.role === 'partner' && !acting ? (
        <span className="who-detail">
          Active business: <strong>{user.active_business?.business_name ?? 'none chosen'}</strong>
        </span>
      ) : null}
    </div>
  );
}

export function Shell({ user, children }: { user: SessionUser; children: ReactNode }) {
  const acting = useActing();
  const notice = useImpersonationNotice();
  const { session, impersonation } = usePortal();
  const [menuOpen, setMenuOpen] = useState(false);
  const logout = useMutation({
    mutationFn: async () => {
      // Logging out ends this tab's "log in as customer" too.
      if (impersonation.getActing()) impersonation.clear(null);
      await session.logout();
    },
  });
  const items = navigationFor(user.role, acting !== null);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Partner Portal
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <div className="top-right">
          {user.role === 'admin' ? <PendingApprovalsNotification /> : null}
          <Who user={user} />
          <button type="button" className="button-light" onClick={() => logout.mutate()} disabled={logout.isPending}>
            Logout
          </button>
        </div>
      </header>
      <ActingBanner />
      <div className="body">
        <nav id="main-menu" className={menuOpen ? 'menu open' : 'menu'} aria-label="Main menu">
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} onClick={() => setMenuOpen(false)}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="content">
          {notice ? <Notice onDismiss={() => impersonation.dismissNotice()}>{notice}</Notice> : null}
          {logout.isError ? <ErrorMessage error={logout.error} /> : null}
          {children}
        </main>
      </div>
    </div>
  );
}
