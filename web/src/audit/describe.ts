/** Audit events in words: the action as a phrase and its details as `name: value` lines. */
import { formatDateTime, humanize } from '../components/format';

const ACTIONS: Record<string, string> = {
  request_approved: 'Sign-up approved',
  request_rejected: 'Sign-up rejected',
  customer_created: 'Customer created',
  customer_updated: 'Customer details changed',
  customer_status_changed: 'Customer status changed',
  impersonation_started: 'Logged in as the customer',
  impersonated_request: 'Acted as the customer',
  impersonation_ended: 'Stopped acting as the customer',
  invitation_revoked: 'Invitation revoked',
  invitation_resent: 'Invitation resent',
  partner_linked: 'Partner linked',
};

export function actionLabel(action: string): string {
  return ACTIONS[action] ?? humanize(action);
}

function valueText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * The details of an event as lines a person reads: plain values as they are, one level of
 * nesting as `outer inner`, lists of plain values joined; anything deeper is left out
 * rather than shown as JSON.
 */
export function describeDetail(detail: unknown): string[] {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(detail as Record<string, unknown>)) {
    const plain = valueText(value);
    if (key.endsWith('_at') && typeof value === 'number') {
      // Times the API keeps as Unix seconds.
      lines.push(`${humanize(key)}: ${formatDateTime(new Date(value * 1000).toISOString())}`);
    } else if (plain !== null) {
      // Codes such as `needs_attention` read as words; ids, paths and names stay as they are.
      lines.push(`${humanize(key)}: ${/^[a-z]+(_[a-z]+)+$/.test(plain) ? humanize(plain) : plain}`);
    } else if (Array.isArray(value)) {
      const parts = value.map(valueText).filter((v): v is string => v !== null);
      if (parts.length > 0) lines.push(`${humanize(key)}: ${parts.join(', ')}`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
        const text = valueText(innerValue);
        if (text !== null) lines.push(`${humanize(key)} ${inner.replace(/_/g, ' ')}: ${text}`);
      }
    }
  }
  return lines;
}
