/** Businesses (admins): search customers and partners by the start of their name. */
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { call } from '../api/client';
import { useApi } from '../app/portal';
import { CursorList, useCursorPages } from '../components/CursorList';
import { TextField } from '../components/Field';
import { Page } from '../components/Page';
import { formatDate, humanize } from '../components/format';
import { textOf } from '../components/useForm';

export default function BusinessesPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const name = params.get('name') ?? '';
  const businesses = useCursorPages(['businesses', name], (cursor) =>
    call(api.GET('/admin/businesses', { params: { query: { name: name || undefined, cursor, limit: 25 } } })),
  );

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next = textOf(new FormData(event.currentTarget), 'name');
    setParams(next ? { name: next } : {});
  }

  return (
    <Page title="Businesses">
      <form className="search" role="search" onSubmit={search}>
        <TextField label="Business name" name="name" type="search" defaultValue={name} hint="The start of the name; any case." />
        <button type="submit" className="button-primary">
          Search
        </button>
      </form>
      <CursorList
        query={businesses}
        loading="Searching businesses…"
        empty={name ? `No business name starts with “${name}”.` : 'No business has an account yet.'}
      >
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Businesses by name</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Website</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.business_id}>
                  <th scope="row" data-label="Name">
                    <Link to={`/businesses/${encodeURIComponent(b.business_id)}`}>{b.name}</Link>
                  </th>
                  <td data-label="Type">
                    {humanize(b.kind)}
                    {b.managed_by ? ' (managed by a partner)' : ''}
                  </td>
                  <td data-label="Website">{b.website || '—'}</td>
                  <td data-label="Since">{formatDate(b.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>
    </Page>
  );
}
