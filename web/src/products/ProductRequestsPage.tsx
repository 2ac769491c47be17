/**
 * The products a customer requested, or its partner gave a priority or No Suggestion (the
 * "Zscaler Products Request" page), with each one's quote status and history. A partner
 * requests a quote for a product the customer requested ("Request Quote").
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi, useScope } from '../app/portal';
import { useEffectiveRole } from '../app/SignedIn';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Dialog } from '../components/Dialog';
import { FormError, TextArea } from '../components/Field';
import { Page } from '../components/Page';
import { Badge, Notice } from '../components/Status';
import { formatDate, formatDateTime } from '../components/format';
import { textOf, useFormErrors } from '../components/useForm';
import { priorityLabel } from './priority';

type ProductRequest = components['schemas']['ProductRequest'];

const EVENTS: Record<components['schemas']['ProductEvent']['action'], string> = {
  requested: 'Requested',
  priority_set: 'Priority set',
  no_suggestion: 'No Suggestion',
  quote_requested: 'Quote requested',
};

function QuoteDialog({ product, onClose, onDone }: { product: ProductRequest; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const form = useFormErrors(['message']);
  const quote = useMutation({
    mutationFn: (message: string | null) =>
      call(
        api.POST('/business/product-requests/{product_id}/quote', {
          params: { path: { product_id: product.product_id } },
          body: { message },
        }),
      ),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['product-requests'] });
      onDone();
    },
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    quote.mutate(textOf(new FormData(event.currentTarget), 'message') ?? null);
  }
  return (
    <Dialog title={`Request Quote: ${product.name ?? product.product_id}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <FormError message={form.errors.top} />
        <TextArea
          label="Message"
          name="message"
          rows={4}
          maxLength={4000}
          hint="Seats, term, anything the quote should cover. The admins and the customer get it by email."
          error={form.field('message')}
        />
        <div className="dialog-actions">
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" disabled={quote.isPending}>
            Request Quote
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export default function ProductRequestsPage() {
  const api = useApi();
  const scope = useScope();
  const partner = useEffectiveRole() === 'partner';
  const [quoting, setQuoting] = useState<ProductRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const requests = useCursorPages(['product-requests', scope], (cursor) =>
    call(api.GET('/business/product-requests', { params: { query: { cursor, limit: 25 } } })),
  );
  return (
    <Page title={partner ? 'Zscaler Products Request' : 'Product Requests'}>
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      <p className="lead">
        Products the customer requested, and those its partner gave a priority or No Suggestion.
        {partner ? ' Request a quote for any product the customer requested.' : ''}
      </p>
      <CursorList
        query={requests}
        loading="Loading product requests…"
        empty={partner ? 'Nothing here yet: the customer has requested no product and you set no priority.' : 'No product requested yet. Request one on the Products page.'}
      >
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Product requests</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Requested</th>
                <th scope="col">Priority</th>
                <th scope="col">Quote</th>
                {partner ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.product_id}>
                  <th scope="row" data-label="Product">
                    {r.name ?? r.product_id}
                    {r.section ? <span className="hint block">{r.section}</span> : null}
                    {r.history.length > 0 ? (
                      <details className="history">
                        <summary>History</summary>
                        <ul className="plain-list small">
                          {r.history.map((e) => (
                            <li key={`${e.action}-${e.at}`}>
                              {formatDateTime(e.at)}: {EVENTS[e.action]}
                              {e.priority ? ` ${e.priority}` : ''} by {e.by.name}
                            </li>
                          ))}
                        </ul>
                      </details>
                    ) : null}
                  </th>
                  <td data-label="Requested">
                    {r.requested ? (
                      <>
                        <Badge tone="good">Requested</Badge>
                        <span className="hint block">
                          {r.requested_by?.name}, {formatDate(r.requested_at)}
                        </span>
                      </>
                    ) : (
                      <span className="hint">Not requested</span>
                    )}
                  </td>
                  <td data-label="Priority">{priorityLabel(r)}</td>
                  <td data-label="Quote">
                    {r.quote ? (
                      <>
                        <Badge tone="info">Quote requested</Badge>
                        <span className="hint block">{formatDate(r.quote.requested_at)}</span>
                      </>
                    ) : (
                      <span className="hint">No quote yet</span>
                    )}
                  </td>
                  {partner ? (
                    <td data-label="Actions">
                      {r.requested ? (
                        <button type="button" className="button-primary" onClick={() => setQuoting(r)}>
                          Request Quote
                        </button>
                      ) : (
                        <span className="hint">The customer has not requested it</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>
      {quoting ? (
        <QuoteDialog
          product={quoting}
          onClose={() => setQuoting(null)}
          onDone={() => {
            setNotice(`Quote requested for ${quoting.name ?? quoting.product_id}. The admins and the customer were told by email.`);
            setQuoting(null);
          }}
        />
      ) : null}
    </Page>
  );
}
