/** The audit trail: who did what, to whom, when. Admins read everyone's; a business its own. */
import { call } from '../api/client';
import { useApi, useScope } from '../app/portal';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Page } from '../components/Page';
import { formatDateTime } from '../components/format';
import { actionLabel, describeDetail } from './describe';

export default function AuditPage({ scope }: { scope: 'all' | 'own' }) {
  const api = useApi();
  const business = useScope();
  const events = useCursorPages(['audit', scope, business], (cursor) =>
    scope === 'all'
      ? call(api.GET('/admin/audit', { params: { query: { cursor, limit: 25 } } }))
      : call(api.GET('/business/audit', { params: { query: { cursor, limit: 25 } } })),
  );
  return (
    <Page title={scope === 'all' ? 'Audit Log' : 'Audit Trail'}>
      <p className="lead">
        {scope === 'all'
          ? 'Every business’s events, newest first.'
          : 'What was done in your business’s account, and by whom, newest first.'}
      </p>
      <CursorList query={events} loading="Loading events…" empty="Nothing has been recorded yet.">
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">For</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => {
                const details = describeDetail(e.detail);
                return (
                  <tr key={e.event_id}>
                    <td data-label="When">{formatDateTime(e.at)}</td>
                    <th scope="row" data-label="What">
                      {actionLabel(e.action)}
                    </th>
                    <td data-label="Who">{e.actor.email ?? '—'}</td>
                    <td data-label="For">{e.subject?.email ?? '—'}</td>
                    <td data-label="Details">
                      {details.length > 0 ? (
                        <ul className="plain-list small">
                          {details.map((line) => (
                            <li key={line}>{line}</li>
                          ))}
                        </ul>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </CursorList>
    </Page>
  );
}
