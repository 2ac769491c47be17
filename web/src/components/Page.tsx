import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A screen's title: the page's one `h1`, the document title, and where focus goes when the
 * screen opens, so a screen-reader user hears where they are after each navigation.
 */
export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Partner Portal`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <>
      <div className="page-header">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </>
  );
}

/** A titled part of a screen, a landmark named by its heading. */
export function Section({
  title,
  id,
  actions,
  children,
  level = 2,
}: {
  title: string;
  id: string;
  actions?: ReactNode;
  children: ReactNode;
  level?: 2 | 3;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section className="card" aria-labelledby={id}>
      <div className="section-header">
        <Heading id={id}>{title}</Heading>
        {actions ? <div className="section-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
