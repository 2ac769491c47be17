/** Dates and words as people read them. */
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? iso : DATE.format(date);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date);
}

/** `needs_attention` → `Needs attention`. */
export function humanize(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const PARTNER_TYPES = [
  { value: 'reseller', label: 'Reseller' },
  { value: 'professional', label: 'Professional' },
  { value: 'managed', label: 'Managed' },
] as const;

export function partnerTypeLabel(value: string | null | undefined): string {
  return PARTNER_TYPES.find((t) => t.value === value)?.label ?? (value ? humanize(value) : '—');
}

/** A managed customer's status, in the words of the partner's screens. */
export const CUSTOMER_STATUSES = [
  { value: 'pending_activation', label: 'Pending Activate' },
  { value: 'activated', label: 'Activated' },
  { value: 'locked', label: 'Locked' },
] as const;

export function customerStatusLabel(value: string): string {
  return CUSTOMER_STATUSES.find((s) => s.value === value)?.label ?? humanize(value);
}
