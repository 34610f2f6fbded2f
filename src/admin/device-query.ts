// The query string of GET /api/admin/devices (the admin's device list, issue 14): q, sort, order, offset,
// limit, checked here so a wrong one is a 400 that says what is wrong, before any database work.
// Every parameter may be absent or empty (a form's blank field): then its default applies, and without
// a limit every matching device comes back, as before paging existed (the CLI's getAllDevices).
import { DEVICE_SORTS, type DeviceSearch, type DeviceSort } from '../store/types.js';
import { badRequest } from './http-errors.js';

export const MAX_DEVICE_PAGE = 500;
const MAX_OFFSET = 1_000_000_000;
const MAX_QUERY_CHARS = 200;

export type DevicePageQuery = Omit<DeviceSearch, 'domainIds' | 'excludeGlobalAdmins'>;

/** The parameter's one value; '' when absent. A parameter given twice is refused rather than guessed at. */
export function one(query: Record<string, unknown>, name: string): string {
  const v = query[name];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw badRequest(`"${name}" must be given once`);
  return v.trim();
}

function whole(query: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = one(query, name);
  if (v === '') return undefined;
  const n = /^\d{1,10}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw badRequest(`"${name}" must be a whole number from ${min} to ${max}, not ${JSON.stringify(v.slice(0, 20))}`);
  return n;
}

const isSort = (v: string): v is DeviceSort => (DEVICE_SORTS as readonly string[]).includes(v);

export function parseDevicePageQuery(query: Record<string, unknown>): DevicePageQuery {
  const q = one(query, 'q');
  if (q.length > MAX_QUERY_CHARS) throw badRequest(`"q" must be at most ${MAX_QUERY_CHARS} characters`);
  const sort = one(query, 'sort') || 'account';
  if (!isSort(sort)) throw badRequest(`"sort" must be one of ${DEVICE_SORTS.join(', ')}, not ${JSON.stringify(sort.slice(0, 20))}`);
  const order = one(query, 'order') || 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest(`"order" must be asc or desc, not ${JSON.stringify(order.slice(0, 20))}`);
  const limit = whole(query, 'limit', 1, MAX_DEVICE_PAGE);
  return { ...(q ? { q } : {}), sort, order, offset: whole(query, 'offset', 0, MAX_OFFSET) ?? 0, ...(limit !== undefined ? { limit } : {}) };
}
