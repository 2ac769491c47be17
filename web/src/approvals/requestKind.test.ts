import { describe, expect, it } from 'vitest';

import type { components } from '../api/schema';
import { requestKind } from './ApprovalsPage';

const base: components['schemas']['Approval'] = {
  request_id: 'r-1',
  kind: 'customer',
  business_name: 'Globex',
  business_website: 'https://globex.example',
  first_name: 'Hank',
  last_name: 'Scorpio',
  email: 'hank@globex-corp.com',
  phone: null,
  status: 'pending',
  created_at: '2026-03-02T10:00:00Z',
};

describe('who a request is for', () => {
  it('says customer, or which partner and who invited it', () => {
    expect(requestKind(base)).toBe('Customer');
    expect(requestKind({ ...base, kind: 'partner', partner_type: 'reseller', invited_by: 'b-1', invited_by_name: 'Globex' })).toBe(
      'Reseller partner, invited by Globex',
    );
    expect(requestKind({ ...base, kind: 'partner', partner_type: null, invited_by_name: null })).toBe('Partner');
  });
});
