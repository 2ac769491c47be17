/**
 * The console's services, built once at start: the runtime configuration, the session, this
 * tab's impersonation, the API client that uses both, and the server-state cache.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';

import { type Api, createApi, type SendRequest } from '../api/client';
import { ApiError } from '../api/errors';
import type { RuntimeConfig } from '../api/config';
import { type Acting, ImpersonationStore } from '../auth/impersonation';
import { type SessionState, SessionStore } from '../auth/session';

export interface Portal {
  config: RuntimeConfig;
  api: Api;
  session: SessionStore;
  impersonation: ImpersonationStore;
  queries: QueryClient;
}

export function createPortal(config: RuntimeConfig, storage: Storage, base?: SendRequest): Portal {
  const session = new SessionStore();
  const impersonation = new ImpersonationStore(storage);
  const api = createApi(
    config.apiBase,
    {
      token: () => session.token(),
      impersonation: () => impersonation.token(),
      refresh: () => session.refresh(),
      impersonationEnded: () => impersonation.expired(),
    },
    base,
  );
  session.connect(api);
  const queries = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // A 4xx will not change by asking again; a dependency hiccup (5xx, network) may.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
  // Whatever was cached belongs to whoever was signed in: forget it when they leave.
  session.subscribe(() => {
    if (session.getState().status === 'signed-out') queries.clear();
  });
  impersonation.subscribe(() => queries.clear());
  return { config, api, session, impersonation, queries };
}

const PortalContext = createContext<Portal | null>(null);

export function PortalProvider({ portal, children }: { portal: Portal; children: ReactNode }) {
  return (
    <PortalContext.Provider value={portal}>
      <QueryClientProvider client={portal.queries}>{children}</QueryClientProvider>
    </PortalContext.Provider>
  );
}

export function usePortal(): Portal {
  const portal = useContext(PortalContext);
  if (!portal) throw new Error('usePortal outside PortalProvider');
  return portal;
}

export function useApi(): Api {
  return usePortal().api;
}

export function useSession(): SessionState {
  const { session } = usePortal();
  return useSyncExternalStore(session.subscribe, session.getState);
}

export function useActing(): Acting | null {
  const { impersonation } = usePortal();
  return useSyncExternalStore(impersonation.subscribe, impersonation.getActing);
}

export function useImpersonationNotice(): string | null {
  const { impersonation } = usePortal();
  return useSyncExternalStore(impersonation.subscribe, impersonation.getNotice);
}

/**
 * Who the business pages act for, as a cache key: the impersonated customer, the partner's
 * active customer, or the caller's own business. Data of one never shows under another.
 */
export function useScope(): string {
  const state = useSession();
  const acting = useActing();
  if (acting) return `acting:${acting.businessId}`;
  if (state.status !== 'signed-in') return 'none';
  const user = state.user;
  if (user.role === 'partner') return `partner:${user.active_business?.business_id ?? 'none'}`;
  return `own:${user.business_id ?? user.user_id}`;
}
