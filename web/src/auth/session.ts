/**
 * The session: who is signed in, and the access token, in memory only (never in storage a
 * script could read later, never in a cookie). The refresh token lives in an `HttpOnly`,
 * `SameSite=Strict` cookie that only the API's refresh and logout routes see: a reload or a
 * new tab restores the session with one refresh call, and the access token is renewed
 * before it expires and after any 401. When the session cannot be renewed (it expired, the
 * password was reset, someone logged out elsewhere), the console returns to Login and says
 * so.
 */
import type { Api } from '../api/client';
import { call } from '../api/client';
import { ApiError } from '../api/errors';
import type { components } from '../api/schema';

export type SessionUser = components['schemas']['SessionUser'];
export type SessionAnswer = components['schemas']['SessionResponse'];
export type LoginChallenge = components['schemas']['LoginChallenge'];

/** What a right password leads to: a session, or a second step (a code, or an admin's
 * enrolment of an authenticator app). */
export type LoginOutcome = { kind: 'signed-in'; user: SessionUser } | { kind: 'challenge'; challenge: LoginChallenge };
export type Role = SessionUser['role'];

export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'signed-in'; user: SessionUser };

export const EXPIRED_NOTICE = 'Your session has expired. Please log in again.';
export const LOGGED_OUT_NOTICE = 'You have logged out.';

/** Renew this long before the access token expires. */
const RENEW_BEFORE_MS = 2 * 60 * 1000;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
};

export class SessionStore {
  private state: SessionState = { status: 'restoring' };
  private accessToken: string | null = null;
  private renewing: Promise<boolean> | null = null;
  private renewTimer: unknown = null;
  private readonly listeners = new Set<() => void>();
  private api: Api | null = null;

  constructor(private readonly timers: Timers = browserTimers) {}

  /** The client the session calls its own routes with (created with this store's hooks). */
  connect(api: Api): void {
    this.api = api;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.state;

  /** The access token, for the API client. */
  token(): string | null {
    return this.accessToken;
  }

  private client(): Api {
    if (!this.api) throw new Error('The session is not connected to the API client.');
    return this.api;
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  private signedIn(answer: SessionAnswer): void {
    this.accessToken = answer.access_token;
    this.scheduleRenewal(answer.expires_in);
    this.set({ status: 'signed-in', user: answer.user });
  }

  private signedOut(notice: string | null): void {
    this.accessToken = null;
    if (this.renewTimer !== null) this.timers.clearTimeout(this.renewTimer);
    this.renewTimer = null;
    this.set({ status: 'signed-out', notice });
  }

  private scheduleRenewal(expiresInSeconds: number): void {
    if (this.renewTimer !== null) this.timers.clearTimeout(this.renewTimer);
    const delay = Math.max(expiresInSeconds * 1000 - RENEW_BEFORE_MS, 30_000);
    this.renewTimer = this.timers.setTimeout(() => void this.refresh(), delay);
  }

  /** On load: one refresh call tells whether the cookie still holds a session. */
  async restore(): Promise<void> {
    const ok = await this.renew(null);
    if (!ok && this.state.status === 'restoring') this.signedOut(null);
  }

  /**
   * Logs in with the cookie session, or answers the second step the account needs; the
   * API's error (wrong pair, rate limit) is thrown.
   */
  async login(email: string, password: string): Promise<LoginOutcome> {
    const answer = await call(
      this.client().POST('/auth/login', { body: { email, password, session: 'cookie' } }),
    );
    if ('challenge' in answer) return { kind: 'challenge', challenge: answer };
    this.signedIn(answer);
    return { kind: 'signed-in', user: answer.user };
  }

  /** The second step of a login: the authenticator app's code for its challenge. */
  async completeLogin(challenge: LoginChallenge, code: string): Promise<SessionUser> {
    const answer = await call(
      this.client().POST('/auth/login/mfa', {
        body: { challenge_session: challenge.challenge_session, code, session: 'cookie' },
      }),
    );
    this.signedIn(answer);
    return answer.user;
  }

  /**
   * A new access token; `false` when the session has ended (the console then shows Login
   * with a notice). Concurrent callers share one call.
   */
  refresh(): Promise<boolean> {
    return this.renew(EXPIRED_NOTICE);
  }

  private renew(noticeWhenEnded: string | null): Promise<boolean> {
    if (!this.renewing) {
      this.renewing = (async () => {
        try {
          const answer = await call(this.client().POST('/auth/refresh', { body: {} }));
          this.signedIn(answer);
          return true;
        } catch (error) {
          if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
            // Never signed in (nothing to expire), or the session really ended.
            this.signedOut(this.state.status === 'signed-in' ? noticeWhenEnded : null);
          } else if (this.state.status === 'restoring') {
            this.signedOut(null);
          }
          return false;
        } finally {
          this.renewing = null;
        }
      })();
    }
    return this.renewing;
  }

  /** Logs out everywhere; the console shows Login whatever the API answered. */
  async logout(): Promise<void> {
    try {
      await call(this.client().POST('/auth/logout', { body: {} }));
    } catch {
      // Signed out here regardless; the cookie expires on its own if the call failed.
    } finally {
      this.signedOut(LOGGED_OUT_NOTICE);
    }
  }

  /** The partner chose another active business ("Make Business Active"). */
  setActiveBusiness(business: { business_id: string; business_name: string } | null): void {
    if (this.state.status !== 'signed-in') return;
    this.set({ status: 'signed-in', user: { ...this.state.user, active_business: business } });
  }
}

/** Where a user starts: admins on Pending Approvals, partners on their customers until they
 * choose one to work on, everyone else on the Business Profile. */
export function landingPath(user: SessionUser, acting: boolean): string {
  if (acting) return '/profile';
  if (user.role === 'admin') return '/approvals';
  if (user.role === 'partner' && !user.active_business) return '/customers';
  return '/profile';
}
