// The all-devices list's state as it sits in the URL (#/devices?q=&sort=&order=&page=), the API call
// it makes (GET /api/admin/devices?q=&sort=&order=&offset=&limit=), and the same search done in the
// page for a server that answers without `total` (one that predates the search parameters and sends
// every device): the list then still searches, sorts and pages the same way.
import type { Order } from './pager.js';
import type { Device, DevicePage } from './types.js';

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

const sortValue: Record<Sort, (d: Device) => string | number> = {
  account: (d) => d.account ?? '',
  id: (d) => d.id.toLowerCase(),
  type: (d) => d.type.toLowerCase(),
  model: (d) => (d.model ?? '').toLowerCase(),
  os: (d) => (d.os ?? '').toLowerCase(),
  status: (d) => d.status,
  lastSeen: (d) => Date.parse(d.lastUsedDate),
  firstSeen: (d) => d.firstReqReceived ?? 0,
};

/** The server's page, or the page cut here from an answer holding every device. */
export function pageOf(answer: DevicePage, s: DeviceQuery): { devices: Device[]; total: number; offset: number } {
  if (typeof answer.total === 'number') return { devices: answer.devices, total: answer.total, offset: answer.offset ?? (s.page - 1) * PAGE_SIZE };
  const needle = s.q.toLowerCase();
  const found = needle
    ? answer.devices.filter((d) => [d.account ?? '', d.id, d.type, d.model ?? '', d.os ?? ''].some((v) => v.toLowerCase().includes(needle)))
    : [...answer.devices];
  const key = sortValue[s.sort];
  const dir = s.order === 'asc' ? 1 : -1;
  found.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
  const offset = (s.page - 1) * PAGE_SIZE;
  return { devices: found.slice(offset, offset + PAGE_SIZE), total: found.length, offset };
}
