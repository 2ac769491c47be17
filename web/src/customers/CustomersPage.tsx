/**
 * My Customers (partners): every customer linked to the partner, "Make Business Active" to
 * choose the one the business pages act on, "Add New Customer", and for the customers the
 * partner created: "Edit" (details, status) and "Log in as customer" in a new tab.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi, usePortal, useSession } from '../app/portal';
import { impersonationUrl } from '../auth/impersonation';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Page } from '../components/Page';
import { Badge, ErrorMessage, Notice } from '../components/Status';
import { formatDate, partnerTypeLabel } from '../components/format';
import { AddCustomerDialog, EditCustomerDialog } from './CustomerDialogs';

type Customer = components['schemas']['Customer'];

export default function CustomersPage() {
  const api = useApi();
  const { session } = usePortal();
  const state = useSession();
  const queries = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Customer | null>(null);
  const customers = useCursorPages(['customers'], (cursor) =>
    call(api.GET('/partner/customers', { params: { query: { cursor, limit: 25 } } })),
  );
  const activeId = state.status === 'signed-in' ? state.user.active_business?.business_id : undefined;
  // The row just chosen shows as chosen at once, and goes back if the API refuses it.
  const [choosing, setChoosing] = useState<string | null>(null);

  const makeActive = useMutation({
    mutationFn: (c: Customer) => call(api.PUT('/partner/active-business', { body: { business_id: c.business_id } })),
    onSettled: () => setChoosing(null),
    // The answer is the choice as written; the row chosen names the business.
    onSuccess: (_active, c) => {
      session.setActiveBusiness({ business_id: c.business_id, business_name: c.business_name });
      setNotice(`${c.business_name} is now your active business: the business pages show and change it.`);
      void queries.invalidateQueries({ queryKey: ['customers'] });
    },
  });

  const logInAs = useMutation({
    mutationFn: (c: Customer) =>
      call(api.POST('/partner/customers/{business_id}/impersonation', { params: { path: { business_id: c.business_id } } })),
    onSuccess: (started) => {
      const tab = window.open(
        impersonationUrl({
          token: started.impersonation_token,
          businessId: started.customer.business_id,
          businessName: started.customer.business_name,
          expiresAt: started.expires_at,
        }),
        '_blank',
      );
      if (tab) {
        // The new tab needs nothing from this one.
        tab.opener = null;
        setNotice(`${started.customer.business_name} opened in a new tab, for 30 minutes at most.`);
      } else {
        setNotice('Your browser blocked the new tab: allow pop-ups for the portal and try again.');
      }
    },
  });

  const error = makeActive.error ?? logInAs.error;
  return (
    <Page
      title="My Customers"
      actions={
        <button type="button" className="button-primary" onClick={() => setAdding(true)}>
          Add New Customer
        </button>
      }
    >
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      {error ? <ErrorMessage error={error} /> : null}
      <CursorList
        query={customers}
        loading="Loading your customers…"
        empty="No customer yet. A customer appears here once it invites you, or when you add one."
      >
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Your customers</caption>
            <thead>
              <tr>
                <th scope="col">Business</th>
                <th scope="col">Active</th>
                <th scope="col">Partner type</th>
                <th scope="col">Since</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const nameId = `customer-${c.business_id}`;
                return (
                  <tr key={c.business_id}>
                    <th scope="row" id={nameId} data-label="Business">
                      {c.business_name}
                      {c.managed ? (
                        <>
                          {' '}
                          <Badge tone="info">Managed by you</Badge>
                        </>
                      ) : null}
                    </th>
                    <td data-label="Active">
                      <label className="radio">
                        <input
                          type="radio"
                          name="active-business"
                          checked={c.business_id === (choosing ?? activeId)}
                          disabled={makeActive.isPending}
                          aria-describedby={nameId}
                          onChange={() => {
                            setChoosing(c.business_id);
                            makeActive.mutate(c);
                          }}
                        />
                        Make Business Active
                      </label>
                    </td>
                    <td data-label="Partner type">{partnerTypeLabel(c.partner_type)}</td>
                    <td data-label="Since">{formatDate(c.linked_at)}</td>
                    <td data-label="Actions">
                      {c.managed ? (
                        <div className="row-actions">
                          <button type="button" className="button-secondary" onClick={() => setEditing(c)}>
                            Edit
                          </button>
                          <button
                            type="button"
                            className="button-secondary"
                            disabled={logInAs.isPending}
                            onClick={() => {
                              setNotice(null);
                              logInAs.mutate(c);
                            }}
                          >
                            Log in as customer
                          </button>
                        </div>
                      ) : (
                        <span className="hint">Manages its own account</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </CursorList>
      {adding ? (
        <AddCustomerDialog
          onClose={() => setAdding(false)}
          onCreated={(message) => {
            setAdding(false);
            setNotice(message);
          }}
        />
      ) : null}
      {editing ? (
        <EditCustomerDialog
          customer={editing}
          onClose={() => setEditing(null)}
          onSaved={(message) => {
            setEditing(null);
            setNotice(message);
          }}
        />
      ) : null}
    </Page>
  );
}
