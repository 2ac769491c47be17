/**
 * Business Profile: the landing page of customers and partners. Everything about the
 * business, edited and saved together with the version it was read at: when someone else
 * saved in between, nothing is overwritten and the page offers to reload. A customer's page
 * also has "My Partner".
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { ApiError, call } from '../api/client';
import { useActing, useApi, useScope, useSession } from '../app/portal';
import { FormError, TextField } from '../components/Field';
import { Page, Section } from '../components/Page';
import { ErrorMessage, Loading, Notice } from '../components/Status';
import { formatDateTime } from '../components/format';
import { useFormErrors } from '../components/useForm';
import { MyPartner } from '../partners/MyPartner';
import { type ContactDraft, contactDraft, type Profile, profileFields, profileUpdate } from './profileForm';

function ProfileForm({ profile, onReload }: { profile: Profile; onReload: () => void }) {
  const api = useApi();
  const scope = useScope();
  const queries = useQueryClient();
  const [contacts, setContacts] = useState<ContactDraft[]>(() => profile.contacts.map(contactDraft));
  const form = useFormErrors(profileFields(contacts.length));
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: ReturnType<typeof profileUpdate>) => call(api.PUT('/business/profile', { body })),
    onSuccess: (next) => {
      queries.setQueryData(['profile', scope], next);
      setSaved(true);
    },
    onError: form.fail,
  });
  const conflict = save.error instanceof ApiError && save.error.code === 'version_conflict';

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    setSaved(false);
    save.mutate(profileUpdate(new FormData(event.currentTarget), contacts, profile.version));
  }
  const edit = (key: number, field: keyof Omit<ContactDraft, 'key'>, value: string) =>
    setContacts((all) => all.map((c) => (c.key === key ? { ...c, [field]: value } : c)));
  const a = profile.address;

  return (
    <form onSubmit={submit} noValidate aria-label="Business Profile">
      {saved ? <Notice onDismiss={() => setSaved(false)}>Business Profile saved.</Notice> : null}
      {conflict ? (
        <div className="alert alert-error" role="alert">
          <p>{form.errors.top}</p>
          <button type="button" className="button-primary" onClick={onReload}>
            Reload
          </button>
        </div>
      ) : (
        <FormError message={form.errors.top} />
      )}
      <Section id="profile-company" title="Company">
        <div className="grid-2">
          <TextField label="Business name" name="name" required defaultValue={profile.name} error={form.field('name')} />
          <TextField label="Website" name="website" required defaultValue={profile.website} error={form.field('website')} />
          <TextField label="Phone" name="phone" type="tel" defaultValue={profile.phone ?? ''} error={form.field('phone')} />
          <TextField label="Industry" name="industry" defaultValue={profile.industry ?? ''} error={form.field('industry')} />
          <TextField
            label="Employees"
            name="employee_count"
            inputMode="numeric"
            defaultValue={profile.employee_count ?? ''}
            error={form.field('employee_count')}
          />
        </div>
      </Section>
      <Section id="profile-address" title="Address">
        <div className="grid-2">
          <TextField label="Street" name="address.street" defaultValue={a.street ?? ''} error={form.field('address.street')} />
          <TextField label="Postal code" name="address.postal_code" defaultValue={a.postal_code ?? ''} error={form.field('address.postal_code')} />
          <TextField label="City" name="address.city" defaultValue={a.city ?? ''} error={form.field('address.city')} />
          <TextField label="Region" name="address.region" defaultValue={a.region ?? ''} error={form.field('address.region')} />
          <TextField label="Country" name="address.country" defaultValue={a.country ?? ''} error={form.field('address.country')} />
        </div>
      </Section>
      <Section
        id="profile-contacts"
        title="Contacts"
        actions={
          <button type="button" className="button-secondary" onClick={() => setContacts((all) => [...all, contactDraft()])}>
            Add contact
          </button>
        }
      >
        {form.field('contacts') ? <p className="field-error">{form.field('contacts')}</p> : null}
        {contacts.length === 0 ? <p className="empty">No contact yet.</p> : null}
        {contacts.map((c, i) => (
          <fieldset key={c.key} className="contact">
            <legend>Contact {i + 1}</legend>
            <div className="grid-2">
              <TextField label="Name" value={c.name} onChange={(e) => edit(c.key, 'name', e.target.value)} error={form.field(`contacts[${i}].name`)} />
              <TextField label="Email" type="email" value={c.email} onChange={(e) => edit(c.key, 'email', e.target.value)} error={form.field(`contacts[${i}].email`)} />
              <TextField label="Title" value={c.title} onChange={(e) => edit(c.key, 'title', e.target.value)} error={form.field(`contacts[${i}].title`)} />
              <TextField label="Phone" type="tel" value={c.phone} onChange={(e) => edit(c.key, 'phone', e.target.value)} error={form.field(`contacts[${i}].phone`)} />
            </div>
            <button type="button" className="link-button" onClick={() => setContacts((all) => all.filter((x) => x.key !== c.key))}>
              Remove contact {i + 1}
            </button>
          </fieldset>
        ))}
      </Section>
      <div className="form-actions">
        <button type="submit" className="button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        {profile.updated_at ? <span className="hint">Last saved {formatDateTime(profile.updated_at)}</span> : null}
      </div>
    </form>
  );
}

export default function BusinessProfilePage() {
  const api = useApi();
  const scope = useScope();
  const state = useSession();
  const acting = useActing();
  const profile = useQuery({
    queryKey: ['profile', scope],
    queryFn: () => call(api.GET('/business/profile')),
  });
  // A reload starts the form again from what is stored now.
  const [generation, setGeneration] = useState(0);
  const isCustomer = acting !== null || (state.status === 'signed-in' && state.user.role === 'customer');
  return (
    <Page title="Business Profile">
      {profile.isPending ? <Loading>Loading the Business Profile…</Loading> : null}
      {profile.isError ? <ErrorMessage error={profile.error} /> : null}
      {profile.data ? (
        <ProfileForm
          key={generation}
          profile={profile.data}
          onReload={() => {
            void profile.refetch().then(() => setGeneration((g) => g + 1));
          }}
        />
      ) : null}
      {/* Loaded with the profile, not after it: its lists are asked for in parallel. */}
      {isCustomer ? (
        <MyPartner />
      ) : (
        <Section id="my-partner" title="My Partner">
          <p className="empty">The customer invites and manages its partners from its own account.</p>
        </Section>
      )}
    </Page>
  );
}
