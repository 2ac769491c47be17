import { afterEach, describe, expect, it, vi } from 'vitest';

import { createPortal } from '../app/portal';
import { EXPIRED_NOTICE, landingPath, LOGGED_OUT_NOTICE, type LoginChallenge, type SessionUser } from './session';

const USER: SessionUser = {
  user_id: 'u-1',
  email: 'hank@globex-corp.com',
  first_name: 'Hank',
  last_name: 'Scorpio',
  role: 'customer',
  business_id: 'b-1',
  business_name: 'Globex',
  active_business: null,
};

function session(access: string, user: SessionUser = USER) {
  return { access_token: access, expires_in: 3600, landing: '/business/profile', session: 'cookie', user };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A fake API: answers by "METHOD /path", records every request. */
function fakeApi(routes: Record<string, (request: Request) => Response | Promise<Response>>) {
  const requests: Request[] = [];
  const base = vi.fn(async (request: Request) => {
    requests.push(request);
    const path = new URL(request.url).pathname.replace(/^\/api/, '');
    const route = routes[`${request.method} ${path}`];
    return route ? route(request) : json(404, { error: 'not_found' });
  });
  return { base, requests };
}

afterEach(() => {
  vi.useRealTimers();
  sessionStorage.clear();
  localStorage.clear();
});

describe('the session', () => {
  it('logs in with a cookie session and keeps the access token in memory only', async () => {
    const { base, requests } = fakeApi({ 'POST /auth/login': () => json(200, session('access-1')) });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);

    const outcome = await portal.session.login('hank@globex-corp.com', 'velvet trombone harbour');

    expect(outcome).toEqual({ kind: 'signed-in', user: USER });
    expect(await requests[0]!.json()).toEqual({ email: 'hank@globex-corp.com', password: 'velvet trombone harbour', session: 'cookie' });
    expect(portal.session.getState()).toEqual({ status: 'signed-in', user: USER });
    expect(portal.session.token()).toBe('access-1');
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });

  it('answers a login challenge without signing in, then signs in with the code', async () => {
    const challenge: LoginChallenge = { challenge: 'mfa_code', challenge_session: 'c'.repeat(43), expires_in: 300 };
    const { base, requests } = fakeApi({
      'POST /auth/login': () => json(200, challenge),
      'POST /auth/login/mfa': () => json(200, session('access-3')),
    });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);

    const outcome = await portal.session.login('hank@globex-corp.com', 'velvet trombone harbour');
    expect(outcome).toEqual({ kind: 'challenge', challenge });
    expect(portal.session.token()).toBeNull();
    const user = await portal.session.completeLogin(challenge, '123456');

    expect(user).toEqual(USER);
    expect(await requests[1]!.json()).toEqual({ challenge_session: 'c'.repeat(43), code: '123456', session: 'cookie' });
    expect(portal.session.token()).toBe('access-3');
  });

  it('restores a session on load with one refresh, or shows Login without a notice', async () => {
    const ok = fakeApi({ 'POST /auth/refresh': () => json(200, session('access-2')) });
    const restored = createPortal({ apiBase: '/api' }, sessionStorage, ok.base);
    await restored.session.restore();
    expect(restored.session.getState().status).toBe('signed-in');
    expect(ok.base).toHaveBeenCalledTimes(1);

    const none = fakeApi({ 'POST /auth/refresh': () => json(401, { error: 'session_ended' }) });
    const fresh = createPortal({ apiBase: '/api' }, sessionStorage, none.base);
    await fresh.session.restore();
    expect(fresh.session.getState()).toEqual({ status: 'signed-out', notice: null });
  });

  it('renews the access token once for every request that got a 401 at the same time', async () => {
    let refreshes = 0;
    const { base } = fakeApi({
      'POST /auth/refresh': async () => {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 10));
        return json(200, session('access-new'));
      },
      'GET /partners': (request) =>
        request.headers.get('Authorization') === 'Bearer access-new' ? json(200, { items: [], next_cursor: null }) : json(401, { error: 'unauthorized' }),
      'GET /partners/invitations': (request) =>
        request.headers.get('Authorization') === 'Bearer access-new' ? json(200, { items: [], next_cursor: null }) : json(401, { error: 'unauthorized' }),
      'POST /auth/login': () => json(200, session('access-old')),
    });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
    await portal.session.login('hank@globex-corp.com', 'pw');

    const [partners, invitations] = await Promise.all([portal.api.GET('/partners'), portal.api.GET('/partners/invitations')]);

    expect(partners.response.status).toBe(200);
    expect(invitations.response.status).toBe(200);
    expect(refreshes).toBe(1);
  });

  it('returns to Login with a message when the session cannot be renewed', async () => {
    const { base } = fakeApi({
      'POST /auth/login': () => json(200, session('access-1')),
      'POST /auth/refresh': () => json(401, { error: 'session_ended', message: 'Your session has ended; please log in again.' }),
      'GET /business/profile': () => json(401, { error: 'unauthorized' }),
    });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
    await portal.session.login('hank@globex-corp.com', 'pw');

    const answer = await portal.api.GET('/business/profile');

    expect(answer.response.status).toBe(401);
    expect(portal.session.getState()).toEqual({ status: 'signed-out', notice: EXPIRED_NOTICE });
    expect(portal.session.token()).toBeNull();
  });

  it('renews the access token before it expires', async () => {
    vi.useFakeTimers();
    const { base } = fakeApi({
      'POST /auth/login': () => json(200, { ...session('access-1'), expires_in: 600 }),
      'POST /auth/refresh': () => json(200, session('access-2')),
    });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
    await portal.session.login('hank@globex-corp.com', 'pw');

    await vi.advanceTimersByTimeAsync(8 * 60 * 1000 - 1);
    expect(portal.session.token()).toBe('access-1');
    await vi.advanceTimersByTimeAsync(2);
    expect(portal.session.token()).toBe('access-2');
  });

  it('logs out even when the API cannot be reached, and says so on Login', async () => {
    const { base } = fakeApi({
      'POST /auth/login': () => json(200, session('access-1')),
      'POST /auth/logout': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
    await portal.session.login('hank@globex-corp.com', 'pw');

    await portal.session.logout();

    expect(portal.session.getState()).toEqual({ status: 'signed-out', notice: LOGGED_OUT_NOTICE });
    expect(portal.session.token()).toBeNull();
  });

  it('keeps a partner’s choice of active business', async () => {
    const partner: SessionUser = { ...USER, role: 'partner', business_name: 'Pat Resellers' };
    const { base } = fakeApi({ 'POST /auth/login': () => json(200, session('a', partner)) });
    const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
    await portal.session.login('pat@pat-resellers.com', 'pw');
    expect(landingPath(partner, false)).toBe('/customers');

    portal.session.setActiveBusiness({ business_id: 'b-1', business_name: 'Globex' });

    const state = portal.session.getState();
    expect(state.status === 'signed-in' && state.user.active_business).toEqual({ business_id: 'b-1', business_name: 'Globex' });
    expect(state.status === 'signed-in' && landingPath(state.user, false)).toBe('/profile');
  });
});

describe('where people start', () => {
  it('sends admins to Pending Approvals and an acting tab to the Business Profile', () => {
    expect(landingPath({ ...USER, role: 'admin' }, false)).toBe('/approvals');
    expect(landingPath(USER, false)).toBe('/profile');
    expect(landingPath({ ...USER, role: 'partner' }, true)).toBe('/profile');
  });
});
