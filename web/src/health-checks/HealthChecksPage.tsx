/**
 * Health Checks of the business a customer or partner works on: read only (admins write
 * them).
 */
import { useQuery } from '@tanstack/react-query';

import { call } from '../api/client';
import { useApi, useScope } from '../app/portal';
import { Page, Section } from '../components/Page';
import { ErrorMessage, Loading } from '../components/Status';
import { HealthCheckView } from './HealthCheckView';
import { HEALTH_CHECK_KINDS } from './kinds';

export default function HealthChecksPage() {
  const api = useApi();
  const scope = useScope();
  const checks = useQuery({
    queryKey: ['health-checks', scope],
    queryFn: () => call(api.GET('/business/health-checks', { params: { query: { limit: 100 } } })),
  });
  return (
    <Page title="Health Checks">
      <p className="lead">Health checks are written by the portal’s administrators; you can read them here.</p>
      {checks.isPending ? <Loading>Loading health checks…</Loading> : null}
      {checks.isError ? <ErrorMessage error={checks.error} /> : null}
      {checks.data
        ? HEALTH_CHECK_KINDS.map(({ kind, title }) => (
            <Section key={kind} id={`health-${kind}`} title={title}>
              <HealthCheckView title={title} check={checks.data.items.find((c) => c.kind === kind)} />
            </Section>
          ))
        : null}
    </Page>
  );
}
