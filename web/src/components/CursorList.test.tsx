import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { toApiError } from '../api/errors';
import { allItems, type CursorPage, CursorList, nextCursor, useCursorPages } from './CursorList';

function List({ fetchPage }: { fetchPage: (cursor: string | undefined) => Promise<CursorPage<string>> }) {
  const query = useCursorPages(['things'], fetchPage);
  return (
    <CursorList query={query} loading="Loading things…" empty="No thing yet.">
      {(items) => (
        <ul>
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      )}
    </CursorList>
  );
}

function renderList(fetchPage: (cursor: string | undefined) => Promise<CursorPage<string>>) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <List fetchPage={fetchPage} />
    </QueryClientProvider>,
  );
}

describe('cursor lists', () => {
  it('page through the API’s cursor until there is none', async () => {
    const fetchPage = vi.fn(async (cursor: string | undefined) =>
      cursor === undefined ? { items: ['Globex', 'Initech'], next_cursor: 'c-2' } : { items: ['Umbrella'], next_cursor: null },
    );
    renderList(fetchPage);

    expect(screen.getByRole('status')).toHaveTextContent('Loading things…');
    expect(await screen.findByText('Initech')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    expect(await screen.findByText('Umbrella')).toBeInTheDocument();

    expect(fetchPage.mock.calls.map((c) => c[0])).toEqual([undefined, 'c-2']);
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Globex', 'Initech', 'Umbrella']);
    expect(screen.queryByRole('button', { name: 'Show more' })).not.toBeInTheDocument();
  });

  it('say when there is nothing', async () => {
    renderList(async () => ({ items: [], next_cursor: null }));
    expect(await screen.findByText('No thing yet.')).toBeInTheDocument();
  });

  it('show an error as a sentence, never as JSON', async () => {
    renderList(async () => {
      throw toApiError(400, { error: 'bad_request', message: 'The cursor is not valid; start again without it.' });
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('The cursor is not valid; start again without it.');
    expect(screen.getByRole('alert').textContent).not.toContain('{');
  });

  it('read the next cursor and every item of the pages loaded', () => {
    expect(nextCursor({ items: [], next_cursor: null })).toBeUndefined();
    expect(nextCursor({ items: [], next_cursor: 'x' })).toBe('x');
    expect(allItems({ pages: [{ items: [1, 2] }, { items: [3] }], pageParams: [undefined, 'a'] })).toEqual([1, 2, 3]);
    expect(allItems<number>(undefined)).toEqual([]);
  });
});
