/**
 * Lists that page through the API's cursor: the first page loads with the screen, "Show
 * more" asks for the next with the last page's `next_cursor`, until there is none. Loading,
 * empty and failed states are said in words.
 */
import { type InfiniteData, type QueryKey, type UseInfiniteQueryResult, useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { Empty, ErrorMessage, Loading } from './Status';

export interface CursorPage<T> {
  items: T[];
  next_cursor?: string | null;
}

/** The cursor of the page after `page`, or none on the last page. */
export function nextCursor<T>(page: CursorPage<T>): string | undefined {
  return page.next_cursor ?? undefined;
}

/** Every item of every page loaded so far, in order. */
export function allItems<T>(data: InfiniteData<CursorPage<T>> | undefined): T[] {
  return data ? data.pages.flatMap((page) => page.items) : [];
}

export type CursorQuery<T> = UseInfiniteQueryResult<InfiniteData<CursorPage<T>>, Error>;

export function useCursorPages<T>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
  options: { enabled?: boolean } = {},
): CursorQuery<T> {
  return useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextCursor,
    enabled: options.enabled ?? true,
  });
}

export function CursorList<T>({
  query,
  loading,
  empty,
  children,
}: {
  query: CursorQuery<T>;
  loading: string;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isPending) return <Loading>{loading}</Loading>;
  if (query.isError && !query.data) return <ErrorMessage error={query.error} />;
  const items = allItems(query.data);
  return (
    <>
      {items.length === 0 ? <Empty>{empty}</Empty> : children(items)}
      {query.isFetchNextPageError ? <ErrorMessage error={query.error} /> : null}
      {query.hasNextPage ? (
        <p className="more">
          <button
            type="button"
            className="button-secondary"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? 'Loading more…' : 'Show more'}
          </button>
        </p>
      ) : null}
    </>
  );
}
