/**
 * "Log in as customer": the partner's tab asks the API for an impersonation token and opens
 * a new tab at `/impersonate#token=...`. The fragment never reaches a server; the new tab
 * moves it at once into its own `sessionStorage` (which no other tab shares) and removes it
 * from the address bar, then sends `X-Impersonation-Token` on every call until "End".
 */
export interface Acting {
  token: string;
  businessId: string;
  businessName: string;
  /** ISO date-time; the API refuses the token after it. */
  expiresAt: string;
}

export const IMPERSONATION_PATH = '/impersonate';
const STORAGE_KEY = 'portal.acting';

/** The address of the new tab for an impersonation. */
export function impersonationUrl(acting: Acting): string {
  const fragment = new URLSearchParams({
    token: acting.token,
    business_id: acting.businessId,
    business: acting.businessName,
    expires: acting.expiresAt,
  });
  return `${IMPERSONATION_PATH}#${fragment.toString()}`;
}

function parseFragment(hash: string): Acting | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  const businessId = params.get('business_id');
  const businessName = params.get('business');
  const expiresAt = params.get('expires');
  if (!token || !businessId || !businessName || !expiresAt) return null;
  return { token, businessId, businessName, expiresAt };
}

function isActing(value: unknown): value is Acting {
  const v = value as Partial<Acting> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.token === 'string' &&
    typeof v.businessId === 'string' &&
    typeof v.businessName === 'string' &&
    typeof v.expiresAt === 'string'
  );
}

export interface LocationLike {
  pathname: string;
  hash: string;
}

export interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string): void;
}

/** This tab's impersonation, kept in its `sessionStorage`. */
export class ImpersonationStore {
  private acting: Acting | null;
  private notice: string | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage) {
    let stored: unknown = null;
    try {
      stored = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null');
    } catch {
      stored = null;
    }
    this.acting = isActing(stored) ? stored : null;
  }

  /**
   * On load: an `/impersonate#...` address starts this tab's impersonation. The token goes
   * to `sessionStorage` and the fragment leaves the address bar (and history) at once.
   */
  adopt(location: LocationLike, history: HistoryLike): boolean {
    if (location.pathname !== IMPERSONATION_PATH) return false;
    const acting = parseFragment(location.hash);
    history.replaceState(null, '', '/profile');
    if (!acting) return false;
    this.storage.setItem(STORAGE_KEY, JSON.stringify(acting));
    this.acting = acting;
    this.notice = null;
    this.emit();
    return true;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getActing = (): Acting | null => this.acting;
  getNotice = (): string | null => this.notice;

  token(): string | null {
    return this.acting?.token ?? null;
  }

  /** Ends this tab's impersonation (after "End", or when the API refused the token). */
  clear(notice: string | null): void {
    this.storage.removeItem(STORAGE_KEY);
    const was = this.acting;
    this.acting = null;
    this.notice = notice ?? (was ? `You are no longer acting as ${was.businessName}.` : null);
    this.emit();
  }

  /** The API refused the token: it expired (30 minutes) or was ended in another tab. */
  expired(): void {
    if (!this.acting) return;
    this.clear(`Acting as ${this.acting.businessName} has ended: the 30 minutes are over or it was ended elsewhere.`);
  }

  dismissNotice(): void {
    this.notice = null;
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
