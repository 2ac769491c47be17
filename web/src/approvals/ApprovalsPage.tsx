/**
 * Pending Approvals: every "Create Account Request" (customers, and partners a customer
 * invited), with "Approve" (the person gets a set-password email) and "Reject" (with a
 * reason, kept in the audit trail).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi } from '../app/portal';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Dialog } from '../components/Dialog';
import { FormError, SelectField, TextArea } from '../components/Field';
import { Page } from '../components/Page';
import { Badge, ErrorMessage, Notice } from '../components/Status';
import { formatDate, humanize, partnerTypeLabel } from '../components/format';
import { textOf, useFormErrors } from '../components/useForm';

type Approval = components['schemas']['Approval'];
type Status = components['schemas']['ApprovalStatus'];

const STATUSES = [
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
] as const;

/** "Customer", or "Reseller partner, invited by Globex". */
export function requestKind(r: Approval): string {
  if (r.kind === 'customer') return 'Customer';
  const type = r.partner_type ? `${partnerTypeLabel(r.partner_type)} partner` : 'Partner';
  return r.invited_by_name ? `${type}, invited by ${r.invited_by_name}` : type;
}

function RejectDialog({ request, onDone, onClose }: { request: Approval; onDone: () => void; onClose: () => void }) {
  const api = useApi();
  const form = useFormErrors(['reason']);
  const reject = useMutation({
    mutationFn: (reason: string) =>
      call(
        api.POST('/admin/approvals/{request_id}/reject', {
          params: { path: { request_id: request.request_id } },
          body: { reason },
        }),
      ),
    onSuccess: onDone,
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    reject.mutate(textOf(new FormData(event.currentTarget), 'reason') ?? '');
  }
  return (
    <Dialog title={`Reject ${request.business_name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <FormError message={form.errors.top} />
        <TextArea
          label="Reason"
          name="reason"
          rows={4}
          required
          maxLength={2000}
          error={form.field('reason')}
          hint="The person is told by email; the reason stays in the audit trail."
        />
        <div className="dialog-actions">
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-danger" disabled={reject.isPending}>
            Reject
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export default function ApprovalsPage() {
  const api = useApi();
  const queries = useQueryClient();
  const [status, setStatus] = useState<Status>('pending');
  const [notice, setNotice] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Approval | null>(null);
  const requests = useCursorPages(['approvals', 'list', status], (cursor) =>
    call(api.GET('/admin/approvals', { params: { query: { status, cursor, limit: 25 } } })),
  );
  const refresh = () => void queries.invalidateQueries({ queryKey: ['approvals'] });
  const approve = useMutation({
    mutationFn: (r: Approval) =>
      call(api.POST('/admin/approvals/{request_id}/approve', { params: { path: { request_id: r.request_id } } })),
    onSuccess: (_, r) => {
      setNotice(`Approved ${r.business_name}. ${r.first_name} ${r.last_name} gets an email to set a password.`);
      refresh();
    },
  });

  return (
    <Page title="Pending Approvals">
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      {approve.isError ? <ErrorMessage error={approve.error} /> : null}
      <div className="toolbar">
        <SelectField
          label="Show requests"
          name="status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status)}
          options={STATUSES}
        />
      </div>
      <CursorList
        query={requests}
        loading="Loading requests…"
        empty={status === 'pending' ? 'No request is waiting for approval.' : `No ${status} request.`}
      >
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">{humanize(status)} requests, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Business</th>
                <th scope="col">Person</th>
                <th scope="col">Email</th>
                <th scope="col">Type</th>
                <th scope="col">Date</th>
                <th scope="col">{status === 'pending' ? 'Actions' : 'Status'}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.request_id}>
                  <th scope="row" data-label="Business">
                    {r.business_name}
                  </th>
                  <td data-label="Person">
                    {r.first_name} {r.last_name}
                  </td>
                  <td data-label="Email">{r.email}</td>
                  <td data-label="Type">{requestKind(r)}</td>
                  <td data-label="Date">{formatDate(r.created_at)}</td>
                  <td data-label={status === 'pending' ? 'Actions' : 'Status'}>
                    {status === 'pending' ? (
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button-primary"
                          disabled={approve.isPending}
                          onClick={() => {
                            setNotice(null);
                            approve.mutate(r);
                          }}
                        >
                          Approve
                        </button>
                        <button type="button" className="button-secondary" onClick={() => setRejecting(r)}>
                          Reject
                        </button>
                      </div>
                    ) : (
                      <Badge tone={r.status === 'approved' ? 'good' : 'bad'}>{humanize(r.status)}</Badge>
                    )}
                    {r.reason ? <p className="hint">Reason: {r.reason}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>
      {rejecting ? (
        <RejectDialog
          request={rejecting}
          onClose={() => setRejecting(null)}
          onDone={() => {
            setNotice(`Rejected ${rejecting.business_name}. ${rejecting.first_name} ${rejecting.last_name} is told by email.`);
            setRejecting(null);
            refresh();
          }}
        />
      ) : null}
    </Page>
  );
}
