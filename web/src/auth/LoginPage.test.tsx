import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';

import { createPortal, PortalProvider } from '../app/portal';
import LoginPage from './LoginPage';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function renderLogin(
  login: (body: Record<string, string>) => Response,
  secondStep: (body: Record<string, string>) => Response = () => json(404, {}),
) {
  const base = vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path === '/api/auth/refresh') return json(401, { error: 'session_ended' });
    if (path === '/api/auth/login') return login((await request.json()) as Record<string, string>);
    if (path === '/api/auth/login/mfa') return secondStep((await request.json()) as Record<string, string>);
    return json(404, {});
  });
  const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
  await portal.session.restore();
  render(
    <PortalProvider portal={portal}>
      <MemoryRouter initialEntries={['/login']}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/profile" element={<h1>Business Profile</h1>} />
        </Routes>
      </MemoryRouter>
    </PortalProvider>,
  );
  return base;
}

describe('the Login form', () => {
  it('shows one error for a wrong pair, and keeps what was typed', async () => {
    await renderLogin(() => json(401, { error: 'invalid_credentials', message: 'The email address or password is incorrect.' }));

    await userEvent.type(screen.getByLabelText(/Business email/), 'hank@globex-corp.com');
    await userEvent.type(screen.getByLabelText(/Password/), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Login' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The email address or password is incorrect.');
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.getByLabelText(/Business email/)).toHaveValue('hank@globex-corp.com');
  });

  it('logs in with a cookie session and opens the first screen', async () => {
    const base = await renderLogin(() =>
      json(200, {
        access_token: 'a',
        expires_in: 3600,
        landing: '/business/profile',
        session: 'cookie',
        user: {
          user_id: 'u',
          email: 'hank@globex-corp.com',
          first_name: 'Hank',
          last_name: 'Scorpio',
          role: 'customer',
          business_id: 'b',
          business_name: 'Globex',
          active_business: null,
        },
      }),
    );

    await userEvent.type(screen.getByLabelText(/Business email/), ' hank@globex-corp.com ');
    await userEvent.type(screen.getByLabelText(/Password/), 'velvet trombone harbour');
    await userEvent.click(screen.getByRole('button', { name: 'Login' }));

    expect(await screen.findByRole('heading', { name: 'Business Profile' })).toBeInTheDocument();
    const login = base.mock.calls.map((c) => c[0] as Request).find((r) => r.url.endsWith('/auth/login'));
    expect(login).toBeDefined();
  });

  it('asks for the authentication code of an account with two-step sign-in, and says when it is wrong', async () => {
    const codes: string[] = [];
    await renderLogin(
      () => json(200, { challenge: 'mfa_code', challenge_session: 'c'.repeat(43), expires_in: 300 }),
      (body) => {
        codes.push(body.code ?? '');
        return json(401, { error: 'mfa_code_incorrect', message: 'The authentication code is incorrect.' });
      },
    );

    await userEvent.type(screen.getByLabelText(/Business email/), 'hank@globex-corp.com');
    await userEvent.type(screen.getByLabelText(/Password/), 'velvet trombone harbour');
    await userEvent.click(screen.getByRole('button', { name: 'Login' }));
    expect(await screen.findByRole('heading', { name: 'Authentication Code' })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/Authentication code/), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The authentication code is incorrect.');
    expect(codes).toEqual(['123456']);
  });

  it('shows an admin without an authenticator app the key to enrol', async () => {
    await renderLogin(() =>
      json(200, {
        challenge: 'mfa_setup',
        challenge_session: 'c'.repeat(43),
        expires_in: 300,
        totp: { secret_code: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/Partner%20Portal:ops%40portal.example?secret=JBSWY3DPEHPK3PXP' },
      }),
    );

    await userEvent.type(screen.getByLabelText(/Business email/), 'ops@portal.example');
    await userEvent.type(screen.getByLabelText(/Password/), 'velvet trombone harbour');
    await userEvent.click(screen.getByRole('button', { name: 'Login' }));

    expect(await screen.findByRole('heading', { name: 'Set Up Two-Step Sign-In' })).toBeInTheDocument();
    expect(screen.getByText('JBSW Y3DP EHPK 3PXP')).toBeInTheDocument();
    expect(await screen.findByRole('img', { name: /QR code/ })).toBeInTheDocument();
    expect(screen.getByLabelText(/Authentication code/)).toBeInTheDocument();
  });
});
