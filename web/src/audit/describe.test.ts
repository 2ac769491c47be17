import { describe, expect, it } from 'vitest';

import { actionLabel, describeDetail } from './describe';

describe('audit events in words', () => {
  it('names actions as phrases', () => {
    expect(actionLabel('impersonated_request')).toBe('Acted as the customer');
    expect(actionLabel('something_new')).toBe('Something new');
  });

  it('shows details as lines, never as JSON', () => {
    expect(
      describeDetail({
        method: 'PUT',
        path: '/business/profile',
        status: 'needs_attention',
        partner_business: '5d0c9a52-7a7e-4c0b-9a55-0f3f0f8f2b61',
        change: { from: 'locked', to: 'activated' },
        fields: ['name', 'website'],
        deep: { nested: { more: 1 } },
        empty: null,
      }),
    ).toEqual([
      'Method: PUT',
      'Path: /business/profile',
      'Status: Needs attention',
      'Partner business: 5d0c9a52-7a7e-4c0b-9a55-0f3f0f8f2b61',
      'Change from: locked',
      'Change to: activated',
      'Fields: name, website',
    ]);
    expect(describeDetail({ expires_at: 1772447400 })).toEqual(['Expires at: 2 Mar 2026, 10:30']);
    expect(describeDetail('text')).toEqual([]);
    expect(describeDetail(null)).toEqual([]);
  });
});
