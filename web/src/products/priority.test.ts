import { describe, expect, it } from 'vitest';

import { bySection, priorityLabel, priorityRequest, priorityValue } from './priority';

describe('priorities', () => {
  it('turn the select into the request the API takes', () => {
    expect(priorityRequest('2')).toEqual({ priority: 2 });
    expect(priorityRequest('none')).toEqual({ no_suggestion: true });
    expect(priorityRequest('')).toBeNull();
    expect(priorityRequest('6')).toBeNull();
    expect(priorityRequest('1.5')).toBeNull();
  });

  it('show a product’s suggestion in the select and in words', () => {
    expect(priorityValue({ priority: 1, no_suggestion: false })).toBe('1');
    expect(priorityValue({ priority: null, no_suggestion: true })).toBe('none');
    expect(priorityValue({ priority: null, no_suggestion: false })).toBe('');
    expect(priorityLabel({ priority: 1, no_suggestion: false })).toBe('1 (highest)');
    expect(priorityLabel({ priority: 3, no_suggestion: false })).toBe('3');
    expect(priorityLabel({ priority: null, no_suggestion: true })).toBe('No Suggestion');
  });

  it('group products by section in catalog order', () => {
    const grouped = bySection([
      { section: 'Internet Access', id: 'a' },
      { section: 'Private Access', id: 'b' },
      { section: 'Internet Access', id: 'c' },
    ]);
    expect(grouped.map(([s, items]) => [s, items.map((i) => i.id)])).toEqual([
      ['Internet Access', ['a', 'c']],
      ['Private Access', ['b']],
    ]);
  });
});
