/**
 * "My Partner" on a customer's Business Profile: invite a Reseller, Professional or Managed
 * partner by business name and email ("Invite"); the partners; the invitations with their
 * status, "Resend" and "Revoke".
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi, useScope } from '../app/portal';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Dialog } from '../components/Dialog';
import { FormError, SelectField, TextField } from '../components/Field';
import { Section } from '../components/Page';
import { Badge, ErrorMessage, Notice } from '../components/Status';
import { formatDate, humanize, PARTNER_TYPES, partnerTypeLabel } from '../components/format';
import { textOf, useFormErrors } from '../components/useForm';

type Invitation = components['schemas']['Invitation'];
type PartnerType = components['schemas']['PartnerType'];

function invitationTone(status: Invitation['status']): 'good' | 'warn' | 'bad' | 'info' | 'neutral' {
  if (status === 'accepted' || status === 'linked') return 'good';
  if (status === 'pending') return 'info';
  if (status === 'expired') return 'warn';
  return 'neutral';
}

function InviteForm({ onInvited }: { onInvited: (message: string) => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const form = useFormErrors(['business_name', 'email', 'partner_type']);
  const formRef = useRef<HTMLFormElement>(null);
  const invite = useMutation({
    mutationFn: (body: { business_name: string; email: string; partner_type: PartnerType }) =>
      call(api.POST('/partners/invitations', { body })),
    onSuccess: (answer, body) => {
      onInvited(
        answer.status === 'linked'
          ? `${body.business_name} already has an account and is now your partner; they were told by email.`
          : `Invitation sent to ${body.email}. It is valid for 7 days.`,
      );
      formRef.current?.reset();
      void queries.invalidateQueries({ queryKey: ['partners'] });
      void queries.invalidateQueries({ queryKey: ['invitations'] });
    },
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    const data = new FormData(event.currentTarget);
    invite.mutate({
      business_name: textOf(data, 'business_name') ?? '',
      email: textOf(data, 'email') ?? '',
      partner_type: (textOf(data, 'partner_type') ?? 'reseller') as PartnerType,
    });
  }
  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label="Invite a partner">
      <FormError message={form.errors.top} />
      <div className="grid-3">
        <TextField label="Business name" name="business_name" required error={form.field('business_name')} />
        <TextField label="Email" name="email" type="email" required error={form.field('email')} />
        <SelectField label="Partner type" name="partner_type" required options={PARTNER_TYPES} error={form.field('partner_type')} />
      </div>
      <button type="submit" className="button-primary" disabled={invite.isPending}>
        {invite.isPending ? 'Inviting…' : 'Invite'}
      </button>
    </form>
  );
}

function RevokeDialog({ invitation, onClose, onDone }: { invitation: Invitation; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const revoke = useMutation({
    mutationFn: () =>
      call(api.DELETE('/partners/invitations/{invitation_id}', { params: { path: { invitation_id: invitation.invitation_id } } })),
    onSuccess: onDone,
  });
  return (
    <Dialog title="Revoke the invitation?" onClose={onClose}>
      <p>
        The link sent to {invitation.email} for {invitation.business_name} will stop working and say the invitation was
        withdrawn.
      </p>
      {revoke.isError ? <ErrorMessage error={revoke.error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="button-secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="button-danger" onClick={() => revoke.mutate()} disabled={revoke.isPending}>
          Revoke
        </button>
      </div>
    </Dialog>
  );
}

export function MyPartner() {
  const api = useApi();
  const scope = useScope();
  const queries = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const partners = useCursorPages(['partners', scope], (cursor) =>
    call(api.GET('/partners', { params: { query: { cursor, limit: 25 } } })),
  );
  const invitations = useCursorPages(['invitations', scope], (cursor) =>
    call(api.GET('/partners/invitations', { params: { query: { cursor, limit: 25 } } })),
  );
  const resend = useMutation({
    mutationFn: (i: Invitation) =>
      call(api.POST('/partners/invitations/{invitation_id}/resend', { params: { path: { invitation_id: i.invitation_id } } })),
    onSuccess: (_, i) => {
      setNotice(`A new link was sent to ${i.email}; the earlier one no longer works.`);
      void queries.invalidateQueries({ queryKey: ['invitations'] });
    },
  });

  return (
    <Section id="my-partner" title="My Partner">
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      <p className="lead">
        Invite your Reseller, Professional or Managed partner: they get an email to sign up (or, if they already have an
        account, they are linked to you at once).
      </p>
      <InviteForm onInvited={setNotice} />

      <h3>Partners</h3>
      <CursorList query={partners} loading="Loading partners…" empty="No partner yet. Invite one above.">
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Your partners</caption>
            <thead>
              <tr>
                <th scope="col">Business</th>
                <th scope="col">Partner type</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.business_id}>
                  <th scope="row" data-label="Business">
                    {p.business_name}
                  </th>
                  <td data-label="Partner type">{partnerTypeLabel(p.partner_type)}</td>
                  <td data-label="Since">{formatDate(p.linked_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>

      <h3>Invitations</h3>
      {resend.isError ? <ErrorMessage error={resend.error} /> : null}
      <CursorList query={invitations} loading="Loading invitations…" empty="No invitation sent yet.">
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Invitations you sent</caption>
            <thead>
              <tr>
                <th scope="col">Business</th>
                <th scope="col">Email</th>
                <th scope="col">Partner type</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.invitation_id}>
                  <th scope="row" data-label="Business">
                    {i.business_name}
                  </th>
                  <td data-label="Email">{i.email}</td>
                  <td data-label="Partner type">{partnerTypeLabel(i.partner_type)}</td>
                  <td data-label="Status">
                    <Badge tone={invitationTone(i.status)}>{humanize(i.status)}</Badge>
                  </td>
                  <td data-label="Sent">{formatDate(i.sent_at)}</td>
                  <td data-label="Actions">
                    {i.status === 'pending' || i.status === 'expired' ? (
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button-secondary"
                          onClick={() => resend.mutate(i)}
                          disabled={resend.isPending}
                        >
                          Resend
                        </button>
                        <button type="button" className="button-secondary" onClick={() => setRevoking(i)}>
                          Revoke
                        </button>
                      </div>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>
      {revoking ? (
        <RevokeDialog
          invitation={revoking}
          onClose={() => setRevoking(null)}
          onDone={() => {
            setNotice(`The invitation of ${revoking.business_name} was revoked.`);
            setRevoking(null);
            void queries.invalidateQueries({ queryKey: ['invitations'] });
          }}
        />
      ) : null}
    </Section>
  );
}
