/** One business (admins): its profile, its people, and its two health checks to edit. */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { call } from '../api/client';
import { useApi } from '../app/portal';
import { Page, Section } from '../components/Page';
import { Badge, ErrorMessage, Loading } from '../components/Status';
import { formatDate, humanize } from '../components/format';
import { HealthCheckEditor } from '../health-checks/HealthCheckEditor';
import { HEALTH_CHECK_KINDS } from '../health-checks/kinds';

export default function BusinessDetailsPage() {
  const api = useApi();
  const { businessId = '' } = useParams();
  const details = useQuery({
    queryKey: ['business', businessId],
    queryFn: () => call(api.GET('/admin/businesses/{business_id}', { params: { path: { business_id: businessId } } })),
  });
  if (details.isPending) {
    return (
      <Page title="Business">
        <Loading>Loading the business…</Loading>
      </Page>
    );
  }
  if (details.isError) {
    return (
      <Page title="Business">
        <ErrorMessage error={details.error} />
        <p>
          <Link to="/businesses">Back to Businesses</Link>
        </p>
      </Page>
    );
  }
  const b = details.data;
  const address = [b.address.street, b.address.postal_code, b.address.city, b.address.region, b.address.country]
    .filter(Boolean)
    .join(', ');
  return (
    <Page title={b.name} actions={<Link to="/businesses">Back to Businesses</Link>}>
      <Section id="business-profile" title="Profile">
        <dl className="facts">
          <div>
            <dt>Type</dt>
            <dd>{humanize(b.kind)}</dd>
          </div>
          <div>
            <dt>Website</dt>
            <dd>{b.website || '—'}</dd>
          </div>
          <div>
            <dt>Phone</dt>
            <dd>{b.phone ?? '—'}</dd>
          </div>
          <div>
            <dt>Industry</dt>
            <dd>{b.industry ?? '—'}</dd>
          </div>
          <div>
            <dt>Employees</dt>
            <dd>{b.employee_count ?? '—'}</dd>
          </div>
          <div>
            <dt>Since</dt>
            <dd>{formatDate(b.created_at)}</dd>
          </div>
          <div className="facts-wide">
            <dt>Address</dt>
            <dd>{address || '—'}</dd>
          </div>
          {b.managed_by ? (
            <div className="facts-wide">
              <dt>Managed by</dt>
              <dd>
                <Link to={`/businesses/${encodeURIComponent(b.managed_by.business_id)}`}>{b.managed_by.business_name}</Link>
              </dd>
            </div>
          ) : null}
        </dl>
        {b.contacts.length > 0 ? (
          <>
            <h3>Contacts</h3>
            <ul className="plain-list">
              {b.contacts.map((c) => (
                <li key={c.email}>
                  {c.name}
                  {c.title ? `, ${c.title}` : ''} · {c.email}
                  {c.phone ? ` · ${c.phone}` : ''}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Section>
      <Section id="business-people" title="People">
        {b.users.length === 0 ? (
          <p className="empty">Nobody signs in for this business.</p>
        ) : (
          <ul className="plain-list">
            {b.users.map((u) => (
              <li key={u.user_id}>
                {u.first_name} {u.last_name} · {u.email}{' '}
                <Badge tone={u.status === 'active' ? 'good' : u.status === 'locked' ? 'bad' : 'warn'}>
                  {u.status === 'pending_password' ? 'Waiting for a password' : humanize(u.status)}
                </Badge>
              </li>
            ))}
          </ul>
        )}
      </Section>
      {b.kind === 'customer' ? (
        HEALTH_CHECK_KINDS.map(({ kind, title }) => (
          <Section key={kind} id={`health-${kind}`} title={title}>
            <HealthCheckEditor
              businessId={b.business_id}
              kind={kind}
              title={title}
              check={b.health_checks.find((c) => c.kind === kind)}
            />
          </Section>
        ))
      ) : (
        <Section id="health-none" title="Health Checks">
          <p className="empty">Health checks are kept for customers, not for partners.</p>
        </Section>
      )}
    </Page>
  );
}
