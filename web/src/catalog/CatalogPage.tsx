/** The product catalog (admins): add products, rename them, retire them or bring them back. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi } from '../app/portal';
import { CursorList, useCursorPages } from '../components/CursorList';
import { Dialog } from '../components/Dialog';
import { FormError, TextArea, TextField } from '../components/Field';
import { Page } from '../components/Page';
import { Badge, ErrorMessage, Notice } from '../components/Status';
import { textOf, useFormErrors } from '../components/useForm';

type Product = components['schemas']['Product'];
type Upsert = components['schemas']['ProductUpsert'];

function useSaveProduct(onSaved: (product: Product) => void, onError?: (error: unknown) => void) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Upsert }) =>
      call(api.PUT('/admin/catalog/{product_id}', { params: { path: { product_id: id } }, body })),
    onSuccess: (product) => {
      void queries.invalidateQueries({ queryKey: ['catalog'] });
      onSaved(product);
    },
    onError,
  });
}

/** A product ID as the API accepts it (a lowercase slug, such as `zia-business`). */
export const PRODUCT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function ProductDialog({ product, onClose, onSaved }: { product: Product | null; onClose: () => void; onSaved: (p: Product) => void }) {
  const form = useFormErrors(['name', 'section', 'description']);
  const [idError, setIdError] = useState<string | undefined>(undefined);
  const save = useSaveProduct(onSaved, form.fail);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    const data = new FormData(event.currentTarget);
    const id = product?.product_id ?? textOf(data, 'product_id') ?? '';
    if (!PRODUCT_ID.test(id)) {
      setIdError('Use lowercase letters, digits and dashes, such as zia-business.');
      return;
    }
    setIdError(undefined);
    save.mutate({
      id,
      body: {
        name: textOf(data, 'name') ?? '',
        section: textOf(data, 'section') ?? '',
        description: textOf(data, 'description') ?? null,
        ...(product ? { retired: product.retired } : {}),
      },
    });
  }
  return (
    <Dialog title={product ? `Rename ${product.name}` : 'Add product'} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <FormError message={form.errors.top} />
        {product ? null : (
          <TextField
            label="Product ID"
            name="product_id"
            required
            error={idError}
            hint="Lowercase letters, digits and dashes; it never changes."
          />
        )}
        <TextField label="Name" name="name" required defaultValue={product?.name ?? ''} error={form.field('name')} />
        <TextField
          label="Section"
          name="section"
          required
          defaultValue={product?.section ?? ''}
          error={form.field('section')}
          hint="The product family, such as Internet Access."
        />
        <TextArea label="Description" name="description" rows={3} defaultValue={product?.description ?? ''} error={form.field('description')} />
        <div className="dialog-actions">
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" disabled={save.isPending}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export default function CatalogPage() {
  const api = useApi();
  const [editing, setEditing] = useState<Product | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const products = useCursorPages(['catalog'], (cursor) =>
    call(api.GET('/catalog', { params: { query: { cursor, limit: 50 } } })),
  );
  const toggle = useSaveProduct((p) => setNotice(p.retired ? `${p.name} is retired: customers no longer see it.` : `${p.name} is offered again.`));
  return (
    <Page
      title="Catalog"
      actions={
        <button type="button" className="button-primary" onClick={() => setEditing('new')}>
          Add product
        </button>
      }
    >
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      {toggle.isError ? <ErrorMessage error={toggle.error} /> : null}
      <CursorList query={products} loading="Loading the catalog…" empty="The catalog is empty. Add a product.">
        {(items) => (
          <table className="table">
            <caption className="visually-hidden">Products by ID</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Section</th>
                <th scope="col">ID</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.product_id}>
                  <th scope="row" data-label="Name">
                    {p.name}
                  </th>
                  <td data-label="Section">{p.section}</td>
                  <td data-label="ID">
                    <code>{p.product_id}</code>
                  </td>
                  <td data-label="Status">{p.retired ? <Badge tone="neutral">Retired</Badge> : <Badge tone="good">Offered</Badge>}</td>
                  <td data-label="Actions">
                    <div className="row-actions">
                      <button type="button" className="button-secondary" onClick={() => setEditing(p)}>
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button-secondary"
                        disabled={toggle.isPending}
                        onClick={() =>
                          toggle.mutate({
                            id: p.product_id,
                            body: { name: p.name, section: p.section, description: p.description ?? null, retired: !p.retired },
                          })
                        }
                      >
                        {p.retired ? 'Bring back' : 'Retire'}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorList>
      {editing ? (
        <ProductDialog
          product={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(p) => {
            setNotice(editing === 'new' ? `${p.name} was added to the catalog.` : `Saved ${p.name}.`);
            setEditing(null);
          }}
        />
      ) : null}
    </Page>
  );
}
