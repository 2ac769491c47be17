import type { Role } from '../auth/session';

export interface NavItem {
  to: string;
  label: string;
}

/** The left menu of each kind of user, in the seeds' words. */
export function navigationFor(role: Role, acting: boolean): NavItem[] {
  if (acting || role === 'customer') {
    return [
      { to: '/profile', label: 'Business Profile' },
      { to: '/products', label: 'Products' },
      { to: '/product-requests', label: 'Product Requests' },
      { to: '/health-checks', label: 'Health Checks' },
      { to: '/audit-trail', label: 'Audit Trail' },
      ...(acting ? [] : [{ to: '/account', label: 'Account' }]),
    ];
  }
  if (role === 'partner') {
    return [
      { to: '/customers', label: 'My Customers' },
      { to: '/profile', label: 'Business Profile' },
      { to: '/products', label: 'Products' },
      { to: '/product-requests', label: 'Zscaler Products Request' },
      { to: '/health-checks', label: 'Health Checks' },
      { to: '/audit-trail', label: 'Audit Trail' },
      { to: '/account', label: 'Account' },
    ];
  }
  return [
    { to: '/approvals', label: 'Pending Approval' },
    { to: '/businesses', label: 'Businesses' },
    { to: '/product-catalog', label: 'Catalog' },
    { to: '/audit-log', label: 'Audit Log' },
  ];
}
