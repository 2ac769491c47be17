import type { ReactNode } from 'react';

import { messageOf } from '../api/errors';

/** While something loads: announced politely, shown plainly. */
export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <p className="loading" role="status">
      {children}
    </p>
  );
}

/** A list with nothing in it, said in words. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** An error in a sentence (never raw JSON). */
export function ErrorMessage({ error, children }: { error?: unknown; children?: ReactNode }) {
  return (
    <p className="alert alert-error" role="alert">
      {children ?? messageOf(error)}
    </p>
  );
}

/** A confirmation that something was done. */
export function Notice({ children, onDismiss }: { children: ReactNode; onDismiss?: () => void }) {
  return (
    <div className="alert alert-success" role="status">
      <span>{children}</span>
      {onDismiss ? (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
