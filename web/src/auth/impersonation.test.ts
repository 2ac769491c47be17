import { afterEach, describe, expect, it, vi } from 'vitest';

import { type Acting, ImpersonationStore, impersonationUrl } from './impersonation';

const ACTING: Acting = {
  token: 'tok_en-123',
  businessId: 'b-9',
  businessName: 'Initech & Co',
  expiresAt: '2026-03-02T10:30:00Z',
};

afterEach(() => sessionStorage.clear());

describe('acting as a customer in a new tab', () => {
  it('moves the token from the address into this tab’s storage and out of the address bar', () => {
    const store = new ImpersonationStore(sessionStorage);
    const history = { replaceState: vi.fn() };
    const url = new URL(impersonationUrl(ACTING), 'http://portal.test');

    expect(url.pathname).toBe('/impersonate');
    expect(url.search).toBe('');
    expect(store.adopt({ pathname: url.pathname, hash: url.hash }, history)).toBe(true);

    expect(store.getActing()).toEqual(ACTING);
    expect(store.token()).toBe('tok_en-123');
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/profile');
    expect(JSON.parse(sessionStorage.getItem('portal.acting')!)).toEqual(ACTING);
    // A reload of the same tab keeps acting.
    expect(new ImpersonationStore(sessionStorage).getActing()).toEqual(ACTING);
  });

  it('ignores other addresses and an incomplete fragment (which still leaves the address bar)', () => {
    const store = new ImpersonationStore(sessionStorage);
    const history = { replaceState: vi.fn() };
    expect(store.adopt({ pathname: '/profile', hash: '#token=x' }, history)).toBe(false);
    expect(history.replaceState).not.toHaveBeenCalled();
    expect(store.adopt({ pathname: '/impersonate', hash: '#token=x' }, history)).toBe(false);
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/profile');
    expect(store.getActing()).toBeNull();
  });

  it('ends with a notice, after End or when the API refuses the token', () => {
    sessionStorage.setItem('portal.acting', JSON.stringify(ACTING));
    const store = new ImpersonationStore(sessionStorage);
    store.expired();
    expect(store.getActing()).toBeNull();
    expect(store.getNotice()).toMatch(/Acting as Initech & Co has ended/);
    expect(sessionStorage.getItem('portal.acting')).toBeNull();

    sessionStorage.setItem('portal.acting', JSON.stringify(ACTING));
    const again = new ImpersonationStore(sessionStorage);
    again.clear(null);
    expect(again.getNotice()).toBe('You are no longer acting as Initech & Co.');
  });

  it('refuses stored garbage', () => {
    sessionStorage.setItem('portal.acting', '{"token": 1}');
    expect(new ImpersonationStore(sessionStorage).getActing()).toBeNull();
    sessionStorage.setItem('portal.acting', 'not json');
    expect(new ImpersonationStore(sessionStorage).getActing()).toBeNull();
  });
});
