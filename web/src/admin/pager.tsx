// Paging and sorting controls shared by the admin lists: "Showing 51–100 of 10,000" with previous /
// next links (links, so the page is in the URL and back/forward work), and sortable column headers
// (a button in the header cell, whose aria-sort tells screen readers the current order).
import { ta } from '../strings.js';
import { go } from './router.js';

export function Pager({ offset, shown, total, hrefFor, page }: { offset: number; shown: number; total: number; page: number; hrefFor: (page: number) => string }) {
  const last = offset + shown;
  return (
    <nav class="pager" aria-label={ta.pagerLabel}>
      <p aria-live="polite">{total === 0 ? ta.nothingFound : ta.showing(offset + 1, last, total)}</p>
      {(offset > 0 || last < total) && <div class="actions">
        {offset > 0 ? <a class="button" href={hrefFor(page - 1)} rel="prev">{ta.previous}</a> : <span class="button" aria-disabled="true">{ta.previous}</span>}
        {last < total ? <a class="button" href={hrefFor(page + 1)} rel="next">{ta.next}</a> : <span class="button" aria-disabled="true">{ta.next}</span>}
      </div>}
    </nav>
  );
}

export type Order = 'asc' | 'desc';

/** A header cell sorting by `col`: the first click sorts ascending, the next one flips the order. */
export function SortHeader({ col, label, sort, order, hrefFor }: { col: string; label: string; sort: string; order: Order; hrefFor: (sort: string, order: Order) => string }) {
  const active = sort === col;
  const next: Order = active && order === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" onClick={() => go(hrefFor(col, next))}>
        {label}<span aria-hidden="true">{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}
