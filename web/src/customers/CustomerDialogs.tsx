/** "Add New Customer" and a managed customer's edit dialog (details and status). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi, useSession, usePortal } from '../app/portal';
import { Dialog } from '../components/Dialog';
import { FormError, SelectField, TextField } from '../components/Field';
import { ErrorMessage, Loading } from '../components/Status';
import { CUSTOMER_STATUSES, customerStatusLabel } from '../components/format';
import { textOf, useFormErrors } from '../components/useForm';

type Customer = components['schemas']['Customer'];
type ManagedStatus = components['schemas']['ManagedStatus'];
type ManagedCustomer = components['schemas']['ManagedCustomer'];

const STATUS_HINTS: Record<ManagedStatus, string> = {
  pending_activation: 'The customer gets an email with an activation link.',
  activated: 'The account is active; the customer gets an email to set a password.',
  locked: 'The account is deactivated and cannot log in.',
};

/** What the partner is told once a customer exists. */
export function createdMessage(c: ManagedCustomer): string {
  if (c.status === 'locked') return `${c.business_name} was created, Locked: nobody can log in until you activate it.`;
  return `${c.business_name} was created. ${c.first_name} gets an email ${c.status === 'activated' ? 'to set a password' : 'with an activation link'}.`;
}

export function AddCustomerDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (message: string) => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const form = useFormErrors(['business_name', 'first_name', 'last_name', 'email', 'status']);
  const create = useMutation({
    mutationFn: (body: components['schemas']['CreateCustomerRequest']) => call(api.POST('/partner/customers', { body })),
    onSuccess: (created) => {
      void queries.invalidateQueries({ queryKey: ['customers'] });
      onCreated(createdMessage(created));
    },
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    const data = new FormData(event.currentTarget);
    create.mutate({
      business_name: textOf(data, 'business_name') ?? '',
      first_name: textOf(data, 'first_name') ?? '',
      last_name: textOf(data, 'last_name') ?? '',
      email: textOf(data, 'email') ?? '',
      status: (textOf(data, 'status') ?? 'pending_activation') as ManagedStatus,
    });
  }
  return (
    <Dialog title="Add New Customer" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <FormError message={form.errors.top} />
        <TextField label="Business name" name="business_name" required error={form.field('business_name')} />
        <div className="grid-2">
          <TextField label="First name" name="first_name" required autoComplete="off" error={form.field('first_name')} />
          <TextField label="Last name" name="last_name" required autoComplete="off" error={form.field('last_name')} />
        </div>
        <TextField
          label="Username"
          name="email"
          type="email"
          required
          autoComplete="off"
          hint="The username must be an email address: the customer's business email."
          error={form.field('email')}
        />
        <SelectField
          label="Status"
          name="status"
          required
          defaultValue="pending_activation"
          options={CUSTOMER_STATUSES}
          hint={`${STATUS_HINTS.pending_activation} Activated: ${STATUS_HINTS.activated} Locked: ${STATUS_HINTS.locked}`}
          error={form.field('status')}
        />
        <div className="dialog-actions">
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" disabled={create.isPending}>
            OK
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function EditCustomerDialog({
  customer,
  onClose,
  onSaved,
}: {
  customer: Customer;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const api = useApi();
  const { session } = usePortal();
  const state = useSession();
  const queries = useQueryClient();
  const form = useFormErrors(['business_name', 'first_name', 'last_name', 'status']);
  const details = useQuery({
    queryKey: ['customer', customer.business_id],
    queryFn: () =>
      call(api.GET('/partner/customers/{business_id}', { params: { path: { business_id: customer.business_id } } })),
    staleTime: 0,
  });
  const save = useMutation({
    mutationFn: (body: components['schemas']['UpdateCustomerRequest']) =>
      call(api.PATCH('/partner/customers/{business_id}', { params: { path: { business_id: customer.business_id } }, body })),
    onSuccess: (saved) => {
      void queries.invalidateQueries({ queryKey: ['customers'] });
      void queries.invalidateQueries({ queryKey: ['customer', customer.business_id] });
      // A renamed active business is renamed in the header too.
      if (state.status === 'signed-in' && state.user.active_business?.business_id === saved.business_id) {
        session.setActiveBusiness({ business_id: saved.business_id, business_name: saved.business_name });
      }
      onSaved(`${saved.business_name} saved: ${customerStatusLabel(saved.status)}.`);
    },
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    const data = new FormData(event.currentTarget);
    const status = textOf(data, 'status') as ManagedStatus | undefined;
    save.mutate({
      business_name: textOf(data, 'business_name') ?? '',
      first_name: textOf(data, 'first_name') ?? '',
      last_name: textOf(data, 'last_name') ?? '',
      ...(status && status !== 'pending_activation' ? { status } : {}),
    });
  }
  const c = details.data;
  return (
    <Dialog title={`Edit ${customer.business_name}`} onClose={onClose}>
      {details.isPending ? <Loading>Loading the customer…</Loading> : null}
      {details.isError ? <ErrorMessage error={details.error} /> : null}
      {c ? (
        <form onSubmit={submit} noValidate>
          <FormError message={form.errors.top} />
          <TextField label="Business name" name="business_name" required defaultValue={c.business_name} error={form.field('business_name')} />
          <div className="grid-2">
            <TextField label="First name" name="first_name" required defaultValue={c.first_name} error={form.field('first_name')} />
            <TextField label="Last name" name="last_name" required defaultValue={c.last_name} error={form.field('last_name')} />
          </div>
          <TextField label="Username" name="email" type="email" value={c.email} readOnly hint="The username cannot change." />
          <SelectField
            label="Status"
            name="status"
            defaultValue={c.status}
            options={CUSTOMER_STATUSES.map((s) => ({
              ...s,
              // Back to "Pending Activate" only by creating the account again.
              disabled: s.value === 'pending_activation' && c.status !== 'pending_activation',
            }))}
            hint={STATUS_HINTS[c.status]}
            error={form.field('status')}
          />
          <div className="dialog-actions">
            <button type="button" className="button-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button-primary" disabled={save.isPending}>
              OK
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
