import { describe, expect, it, vi } from 'vitest';

import { type AuthHooks, authenticatedFetch, call, createApi } from './client';
import { ApiError } from './errors';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function hooks(overrides: Partial<AuthHooks> = {}): AuthHooks {
  return {
    token: () => 'access-1',
    impersonation: () => null,
    refresh: vi.fn().mockResolvedValue(true),
    impersonationEnded: vi.fn(),
    ...overrides,
  };
}

describe('the authenticated fetch', () => {
  it('sends the access token and, in an acting tab, the impersonation token', async () => {
    const base = vi.fn().mockResolvedValue(json(200, {}));
    const send = authenticatedFetch(hooks({ impersonation: () => 'imp-1' }), base);
    await send(new Request('http://portal.test/api/business/profile'));
    const sent: Request = base.mock.calls[0]![0];
    expect(sent.headers.get('Authorization')).toBe('Bearer access-1');
    expect(sent.headers.get('X-Impersonation-Token')).toBe('imp-1');
  });

  it('renews the session once on a 401 and sends the request again, body included', async () => {
    let token = 'old';
    const refresh = vi.fn(async () => {
      token = 'new';
      return true;
    });
    const base = vi.fn().mockResolvedValueOnce(json(401, { error: 'unauthorized' })).mockResolvedValueOnce(json(200, { ok: true }));
    const send = authenticatedFetch(hooks({ token: () => token, refresh }), base);
    const response = await send(new Request('http://portal.test/api/business/profile', { method: 'PUT', body: '{"name":"Globex"}' }));
    expect(response.status).toBe(200);
    expect(refresh).toHaveBeenCalledTimes(1);
    const retried: Request = base.mock.calls[1]![0];
    expect(retried.headers.get('Authorization')).toBe('Bearer new');
    expect(await retried.text()).toBe('{"name":"Globex"}');
  });

  it('gives up when the session cannot be renewed, and never retries the session routes', async () => {
    const refresh = vi.fn().mockResolvedValue(false);
    const base = vi.fn().mockResolvedValue(json(401, { error: 'unauthorized' }));
    const send = authenticatedFetch(hooks({ refresh }), base);
    expect((await send(new Request('http://portal.test/api/partners'))).status).toBe(401);
    expect(base).toHaveBeenCalledTimes(1);
    await send(new Request('http://portal.test/api/auth/login', { method: 'POST' }));
    await send(new Request('http://portal.test/api/auth/refresh', { method: 'POST' }));
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('ends the tab’s impersonation when the API refuses its token, without renewing the session', async () => {
    const ended = vi.fn();
    const refresh = vi.fn();
    const base = vi.fn().mockResolvedValue(json(401, { error: 'impersonation_invalid' }));
    const send = authenticatedFetch(hooks({ impersonationEnded: ended, refresh }), base);
    expect((await send(new Request('http://portal.test/api/business/profile'))).status).toBe(401);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe('typed calls', () => {
  it('return the body of a success and throw an ApiError otherwise', async () => {
    const base = vi
      .fn()
      .mockResolvedValueOnce(json(200, { pending: 3 }))
      .mockResolvedValueOnce(json(403, { error: 'forbidden', message: 'This action is not allowed for your account.' }));
    const api = createApi('/api', hooks(), base);
    await expect(call(api.GET('/admin/approvals/count'))).resolves.toEqual({ pending: 3 });
    const refused = call(api.GET('/admin/approvals/count'));
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    expect((base.mock.calls[0]![0] as Request).url).toBe(`${window.location.origin}/api/admin/approvals/count`);
  });
});
