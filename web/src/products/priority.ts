/** A partner's suggestion for a product: a priority from 1 (highest) to 5, or No Suggestion. */
import type { components } from '../api/schema';

export type BusinessProduct = components['schemas']['BusinessProduct'];
export type PriorityRequest = components['schemas']['PriorityRequest'];

export const PRIORITY_OPTIONS = [
  { value: '', label: 'Not set', disabled: true },
  { value: '1', label: '1 (highest)' },
  { value: '2', label: '2' },
  { value: '3', label: '3' },
  { value: '4', label: '4' },
  { value: '5', label: '5 (lowest)' },
  { value: 'none', label: 'No Suggestion' },
] as const;

/** The select's value for a product. */
export function priorityValue(p: Pick<BusinessProduct, 'priority' | 'no_suggestion'>): string {
  if (p.no_suggestion) return 'none';
  return p.priority ? String(p.priority) : '';
}

/** The request body for a select value; `null` for one that sets nothing. */
export function priorityRequest(value: string): PriorityRequest | null {
  if (value === 'none') return { no_suggestion: true };
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 5 ? { priority: n } : null;
}

export function priorityLabel(p: Pick<BusinessProduct, 'priority' | 'no_suggestion'>): string {
  if (p.no_suggestion) return 'No Suggestion';
  if (!p.priority) return 'Not set';
  return PRIORITY_OPTIONS.find((o) => o.value === String(p.priority))?.label ?? String(p.priority);
}

/** Products by catalog section, in the order the sections first appear. */
export function bySection<T extends { section: string }>(products: readonly T[]): [string, T[]][] {
  const sections = new Map<string, T[]>();
  for (const p of products) {
    const list = sections.get(p.section) ?? [];
    list.push(p);
    sections.set(p.section, list);
  }
  return [...sections.entries()];
}
