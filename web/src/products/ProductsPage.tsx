/**
 * Products of the business a customer or partner works on: "Potential Upgrades" (products
 * the partner gave a priority, highest first) and "All Products" by section. A customer
 * requests products ("Request"); a partner writes its "Licensing Expert" note per product and
 * sets a priority from 1 to 5, or "No Suggestion" (which moves the product to All Products).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import { useApi, useScope } from '../app/portal';
import { useEffectiveRole } from '../app/SignedIn';
import { FormError, SelectField, TextArea } from '../components/Field';
import { Page, Section } from '../components/Page';
import { Badge, ErrorMessage, Loading, Notice } from '../components/Status';
import { formatDate } from '../components/format';
import { textOf, useFormErrors } from '../components/useForm';
import { type BusinessProduct, bySection, PRIORITY_OPTIONS, priorityLabel, priorityRequest, priorityValue } from './priority';

function NoteEditor({ product, onSaved }: { product: BusinessProduct; onSaved: (message: string) => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const form = useFormErrors(['note']);
  const save = useMutation({
    mutationFn: (note: string | null) =>
      call(api.PUT('/business/products/{product_id}/note', { params: { path: { product_id: product.product_id } }, body: { note } })),
    onSuccess: (saved) => {
      void queries.invalidateQueries({ queryKey: ['products'] });
      onSaved(saved.note ? `Licensing Expert note saved for ${product.name}.` : `Licensing Expert note removed from ${product.name}.`);
    },
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    save.mutate(textOf(new FormData(event.currentTarget), 'note') ?? null);
  }
  return (
    <form onSubmit={submit} noValidate className="note-editor">
      <FormError message={form.errors.top} />
      <TextArea label="Licensing Expert note" name="note" rows={2} maxLength={4000} defaultValue={product.note ?? ''} error={form.field('note')} />
      <button type="submit" className="button-secondary" disabled={save.isPending}>
        Save note
      </button>
    </form>
  );
}

function PrioritySelect({ product, onSaved }: { product: BusinessProduct; onSaved: (message: string) => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const save = useMutation({
    mutationFn: (body: NonNullable<ReturnType<typeof priorityRequest>>) =>
      call(api.PUT('/business/products/{product_id}/priority', { params: { path: { product_id: product.product_id } }, body })),
    onSuccess: (saved) => {
      void queries.invalidateQueries({ queryKey: ['products'] });
      void queries.invalidateQueries({ queryKey: ['product-requests'] });
      onSaved(
        saved.no_suggestion
          ? `No Suggestion for ${product.name}: it is listed under All Products.`
          : `Priority ${saved.priority} set for ${product.name}.`,
      );
    },
  });
  return (
    <>
      <SelectField
        label="Priority"
        name={`priority-${product.product_id}`}
        value={priorityValue(product)}
        disabled={save.isPending}
        options={PRIORITY_OPTIONS}
        onChange={(event) => {
          const body = priorityRequest(event.target.value);
          if (body) save.mutate(body);
        }}
      />
      {save.isError ? <ErrorMessage error={save.error} /> : null}
    </>
  );
}

function RequestButton({ product, onSaved }: { product: BusinessProduct; onSaved: (message: string) => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const request = useMutation({
    mutationFn: () => call(api.POST('/business/products/{product_id}/request', { params: { path: { product_id: product.product_id } } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['products'] });
      void queries.invalidateQueries({ queryKey: ['product-requests'] });
      onSaved(`${product.name} requested: your partner can now ask for a quote.`);
    },
  });
  if (product.requested) return <Badge tone="good">Requested</Badge>;
  return (
    <>
      <button type="button" className="button-secondary" onClick={() => request.mutate()} disabled={request.isPending}>
        Request
      </button>
      {request.isError ? <ErrorMessage error={request.error} /> : null}
    </>
  );
}

function ProductCard({ product, partner, onSaved }: { product: BusinessProduct; partner: boolean; onSaved: (m: string) => void }) {
  const titleId = `product-${product.product_id}`;
  return (
    <article className="product" aria-labelledby={titleId}>
      <div className="product-head">
        <h4 id={titleId}>{product.name}</h4>
        <div className="product-tags">
          {product.priority || product.no_suggestion ? <Badge tone="info">Priority: {priorityLabel(product)}</Badge> : null}
          {partner && product.requested ? <Badge tone="good">Requested by the customer</Badge> : null}
        </div>
      </div>
      {!partner && product.note ? (
        <p className="note">
          <strong>Licensing Expert:</strong> {product.note}
          {product.note_by ? (
            <span className="hint">
              {' '}
              — {product.note_by.name}, {formatDate(product.note_at)}
            </span>
          ) : null}
        </p>
      ) : null}
      <div className="product-actions">
        {partner ? (
          <>
            <PrioritySelect product={product} onSaved={onSaved} />
            <NoteEditor product={product} onSaved={onSaved} />
          </>
        ) : (
          <RequestButton product={product} onSaved={onSaved} />
        )}
      </div>
    </article>
  );
}

export default function ProductsPage() {
  const api = useApi();
  const scope = useScope();
  const partner = useEffectiveRole() === 'partner';
  const [notice, setNotice] = useState<string | null>(null);
  const products = useQuery({
    queryKey: ['products', scope],
    queryFn: () => call(api.GET('/business/products')),
  });
  return (
    <Page title="Products">
      {notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
      {products.isPending ? <Loading>Loading products…</Loading> : null}
      {products.isError ? <ErrorMessage error={products.error} /> : null}
      {products.data ? (
        <>
          <Section id="potential-upgrades" title="Potential Upgrades">
            {products.data.potential_upgrades.length === 0 ? (
              <p className="empty">
                {partner ? 'No product has a priority yet. Set one below.' : 'Your partner has not suggested an upgrade yet.'}
              </p>
            ) : (
              <div className="products">
                {products.data.potential_upgrades.map((p) => (
                  <ProductCard key={p.product_id} product={p} partner={partner} onSaved={setNotice} />
                ))}
              </div>
            )}
          </Section>
          <Section id="all-products" title="All Products">
            {products.data.all_products.length === 0 ? <p className="empty">Every product is a potential upgrade.</p> : null}
            {bySection(products.data.all_products).map(([section, items]) => (
              <div key={section} className="product-section">
                <h3>{section}</h3>
                <div className="products">
                  {items.map((p) => (
                    <ProductCard key={p.product_id} product={p} partner={partner} onSaved={setNotice} />
                  ))}
                </div>
              </div>
            ))}
          </Section>
        </>
      ) : null}
    </Page>
  );
}
