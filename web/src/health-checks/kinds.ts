import type { components } from '../api/schema';

export type HealthCheck = components['schemas']['HealthCheck'];
export type HealthCheckKind = components['schemas']['HealthCheckKind'];

/** The two health checks, as the seeds name them. */
export const HEALTH_CHECK_KINDS: readonly { kind: HealthCheckKind; title: string }[] = [
  { kind: 'cm360', title: 'CM360 Health Check' },
  { kind: 'zscaler', title: 'Zscaler Health Check' },
];

export const HEALTH_STATUSES = [
  { value: 'healthy', label: 'Healthy' },
  { value: 'needs_attention', label: 'Needs attention' },
  { value: 'critical', label: 'Critical' },
] as const;

export function healthStatusLabel(status: string): string {
  return HEALTH_STATUSES.find((s) => s.value === status)?.label ?? status;
}

export function healthTone(status: string): 'good' | 'warn' | 'bad' {
  return status === 'healthy' ? 'good' : status === 'critical' ? 'bad' : 'warn';
}
