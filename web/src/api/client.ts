/**
 * The API client: generated from `infra/openapi.yaml` (`npm run generate` writes
 * `schema.d.ts`), called through `openapi-fetch`, so a contract change the console does not
 * follow fails `npm run typecheck`.
 *
 * Every request carries the in-memory access token and, in a "log in as customer" tab, the
 * impersonation token. A 401 on any other route than the session's own gets one refresh
 * (shared by every request waiting on it) and one retry.
 */
import createClient, { type Client } from 'openapi-fetch';

import { ApiError, toApiError } from './errors';
import type { paths } from './schema';

export type Api = Client<paths>;

/** What the client asks the session for. */
export interface AuthHooks {
  /** The current access token, if signed in. */
  token(): string | null;
  /** The impersonation token of this tab, if it acts as a customer. */
  impersonation(): string | null;
  /** Gets a new access token; `false` when the session has ended. */
  refresh(): Promise<boolean>;
  /** The impersonation of this tab has ended or expired (the API said so). */
  impersonationEnded(): void;
}

export const IMPERSONATION_HEADER = 'X-Impersonation-Token';

/** What actually sends a request (the browser's fetch; a fake in tests). */
export type SendRequest = (request: Request) => Promise<Response>;

/** Routes that are the session itself: a 401 there is an answer, not a stale token. */
const SESSION_ROUTES = ['/auth/login', '/auth/refresh', '/auth/logout', '/auth/forgot-password'];

function isSessionRoute(url: string): boolean {
  const path = new URL(url, 'http://localhost').pathname;
  return SESSION_ROUTES.some((route) => path.endsWith(route));
}

async function errorCode(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : null;
  } catch {
    return null;
  }
}

/** A fetch that authenticates requests and renews the session once on a 401. */
export function authenticatedFetch(hooks: AuthHooks, base: SendRequest = (r) => fetch(r)) {
  const withCredentials = (request: Request): Request => {
    const headers = new Headers(request.headers);
    const token = hooks.token();
    if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`);
    const acting = hooks.impersonation();
    if (acting && !headers.has(IMPERSONATION_HEADER)) headers.set(IMPERSONATION_HEADER, acting);
    return new Request(request, { headers });
  };
  return async (request: Request): Promise<Response> => {
    const spare = request.clone();
    const response = await base(withCredentials(request));
    if (response.status !== 401 || isSessionRoute(request.url)) return response;
    if ((await errorCode(response)) === 'impersonation_invalid') {
      hooks.impersonationEnded();
      return response;
    }
    if (!(await hooks.refresh())) return response;
    return base(withCredentials(spare));
  };
}

export function createApi(baseUrl: string, hooks: AuthHooks, base?: SendRequest): Api {
  const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;
  const absolute = new URL(baseUrl === '' ? '/' : baseUrl, origin).toString().replace(/\/$/, '');
  return createClient<paths>({ baseUrl: absolute, fetch: authenticatedFetch(hooks, base) });
}

/** The body of a successful call, or the call's error as an [`ApiError`]. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok || error !== undefined) throw toApiError(response.status, error);
  return data as T;
}

export { ApiError };
