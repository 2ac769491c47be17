import { Badge } from '../components/Status';
import { formatDate } from '../components/format';
import { type HealthCheck, healthStatusLabel, healthTone } from './kinds';

/** One health check, read only. */
export function HealthCheckView({ check, title }: { check: HealthCheck | undefined; title: string }) {
  if (!check) return <p className="empty">No {title} yet.</p>;
  return (
    <dl className="facts">
      <div>
        <dt>Score</dt>
        <dd>
          <span className="score">{check.score}</span> / 100
        </dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          <Badge tone={healthTone(check.status)}>{healthStatusLabel(check.status)}</Badge>
        </dd>
      </div>
      <div>
        <dt>Date</dt>
        <dd>{formatDate(check.checked_on)}</dd>
      </div>
      <div className="facts-wide">
        <dt>Findings</dt>
        <dd className="prose">{check.findings ?? 'No findings recorded.'}</dd>
      </div>
    </dl>
  );
}
