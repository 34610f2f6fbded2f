// The all-devices list's state as it sits in the URL (#/devices?q=&sort=&order=&page=), the API call
// it makes (GET /api/admin/devices?q=&sort=&order=&offset=&limit=): the server searches, sorts and
// pages, so the browser holds one page whatever the number of devices.
import type { Order } from './pager.js';

export const PAGE_SIZE = 50;
export const SORTS = ['account', 'id', 'type', 'model', 'os', 'status', 'lastSeen', 'firstSeen'] as const;
export type Sort = (typeof SORTS)[number];

export interface DeviceQuery {
  q: string;
  sort: Sort;
  order: Order;
  /** 1-based. */
  page: number;
}

export function readQuery(p: URLSearchParams): DeviceQuery {
  const sort = SORTS.find((s) => s === p.get('sort')) ?? 'lastSeen';
  // The most recently seen first unless asked otherwise: what an admin looks for most.
  const order: Order = p.get('order') === 'asc' ? 'asc' : p.get('order') === 'desc' ? 'desc' : sort === 'lastSeen' || sort === 'firstSeen' ? 'desc' : 'asc';
  const page = Math.max(1, Math.floor(Number(p.get('page') ?? '1')) || 1);
  return { q: (p.get('q') ?? '').trim(), sort, order, page };
}

/** The hash query of a state, leaving defaults out so links stay short. */
export function queryParams(s: DeviceQuery): Record<string, string | number | undefined> {
  return { q: s.q || undefined, sort: s.sort === 'lastSeen' ? undefined : s.sort, order: s.order, page: s.page > 1 ? s.page : undefined };
}

export function apiPath(s: DeviceQuery): string {
  const qs = new URLSearchParams({ sort: s.sort, order: s.order, offset: String((s.page - 1) * PAGE_SIZE), limit: String(PAGE_SIZE) });
  if (s.q) qs.set('q', s.q);
  return `/api/admin/devices?${qs.toString()}`;
}
