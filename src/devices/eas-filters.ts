// EAS version filters (issue 15, Carbonio's getAllEASFilters / doAddEASFilter / doDeleteEASFilter /
// doMoveEASFilter, carbonio-features.md 3.3 and 5.3): which protocol versions a client is offered
// (OPTIONS, MS-ASProtocolVersions) and may use (a POST in another version gets 400).
//
// Evaluation starts from the configured set (CARBONIO_EAS_VERSIONS) and walks the filters in position
// order; a filter whose rule matches the request (user agent, account, domain) changes the set by its mode:
//   add       the set gains the filter's versions (any the server speaks, also ones not configured)
//   subtract  the set loses the filter's versions
//   fixed     the set becomes exactly the filter's versions
//   limit     the set keeps only its versions up to the highest of the filter's versions
// and, when the filter is blocking, evaluation stops there. A filter that would leave the set empty is
// not applied (as if its rule had not matched: a blocking one does not stop evaluation either) and is
// named in the result so the request log shows it: a client is always offered at least one version.
//
// The filter list is read through a cache per store (5 s; at once on this process after a change made
// through it), compiled once per read: a request costs one lower-casing of its user agent and the
// filters' matchers.
import { StoreError } from '../core/errors.js';
import type { EasFilterRecord, EasFilterRepo } from '../store/types.js';
import { compileRule, decodeRule, describeRule, MAX_AGENT_MATCHED, parseRule, type Matcher, type Rule } from './eas-filter-rules.js';

export type FilterMode = 'add' | 'subtract' | 'fixed' | 'limit';
export const FILTER_MODES: readonly FilterMode[] = ['add', 'subtract', 'fixed', 'limit'];
/** Every version the server implements, lowest first (config.ts checks CARBONIO_EAS_VERSIONS against the same list). */
export const KNOWN_VERSIONS: readonly string[] = ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'];
export const CACHE_TTL_MS = 5_000;
/** A bound on the per-request work (and on an installation's list: Carbonio's lists hold a handful). */
export const MAX_FILTERS = 100;

export interface CompiledFilter {
  id: number;
  mode: FilterMode;
  /** Indexes into KNOWN_VERSIONS. */
  versions: readonly number[];
  blocking: boolean;
  match: Matcher;
}

/** The request a set is computed for. */
export interface VersionRequest {
  userAgent: string;
  /** The authenticated account's lower-case address. */
  email: string;
}

export interface Offered {
  /** Versions offered, lowest first; never empty. */
  versions: readonly string[];
  /** Filters that matched but were not applied because they would have emptied the set. */
  skipped: readonly number[];
}

const index = new Map(KNOWN_VERSIONS.map((v, i) => [v, i] as const));

/** The filter's mode, or StoreError 'invalid' naming the known ones. */
export function parseMode(mode: string): FilterMode {
  const m = mode.trim().toLowerCase();
  if (!(FILTER_MODES as readonly string[]).includes(m)) throw new StoreError('invalid', `unknown mode "${mode}" (known: ${FILTER_MODES.join(', ')})`);
  return m as FilterMode;
}

/** A version list (`14.0,14.1` or an array), checked against the known versions, deduplicated and sorted. */
export function parseVersions(input: string | readonly string[]): string[] {
  const items = (typeof input === 'string' ? input.split(',') : input).map((v) => v.trim()).filter(Boolean);
  if (items.length === 0) throw new StoreError('invalid', `name at least one version (known: ${KNOWN_VERSIONS.join(',')})`);
  for (const v of items) {
    if (!index.has(v)) throw new StoreError('invalid', `unknown EAS version "${v}" (known: ${KNOWN_VERSIONS.join(',')})`);
  }
  return KNOWN_VERSIONS.filter((v) => items.includes(v));
}

/** A stored filter ready to evaluate; null when its row cannot be read (it is then left out and shown as unreadable). */
export function compileFilter(r: EasFilterRecord): CompiledFilter | null {
  const rule = decodeRule(r.rule);
  if (!rule || !(FILTER_MODES as readonly string[]).includes(r.mode)) return null;
  const versions = r.versions.map((v) => index.get(v));
  if (versions.length === 0 || versions.some((v) => v === undefined)) return null;
  return { id: r.id, mode: r.mode as FilterMode, versions: versions as number[], blocking: r.blocking, match: compileRule(rule) };
}

/** The versions a request is offered, from the configured set through the filters (see the header). */
export function evaluate(filters: readonly CompiledFilter[], configured: readonly string[], req: VersionRequest): Offered {
  // A bit set over KNOWN_VERSIONS: set operations are a few integer instructions.
  let set = 0;
  for (const v of configured) {
    const i = index.get(v);
    if (i !== undefined) set |= 1 << i;
  }
  const skipped: number[] = [];
  if (filters.length > 0) {
    const agent = (req.userAgent.length > MAX_AGENT_MATCHED ? req.userAgent.slice(0, MAX_AGENT_MATCHED) : req.userAgent).toLowerCase();
    const email = req.email.toLowerCase();
    const who = { agent, email, domain: email.slice(email.lastIndexOf('@') + 1) };
    for (const f of filters) {
      if (!f.match(who)) continue;
      const next = apply(set, f);
      if (next === 0) {
        skipped.push(f.id);
        continue;
      }
      set = next;
      if (f.blocking) break;
    }
  }
  return { versions: KNOWN_VERSIONS.filter((_, i) => (set & (1 << i)) !== 0), skipped };
}

function apply(set: number, f: CompiledFilter): number {
  const bits = f.versions.reduce((b, i) => b | (1 << i), 0);
  switch (f.mode) {
    case 'add': return set | bits;
    case 'subtract': return set & ~bits;
    case 'fixed': return bits;
    case 'limit': return set & ((1 << (Math.max(...f.versions) + 1)) - 1);
  }
}

type Holder = { readonly easFilters: EasFilterRepo };

interface Entry {
  at: number;
  pending: Promise<readonly CompiledFilter[]>;
}

/** Per store (by its repository), so several servers in one process keep apart. */
const cache = new WeakMap<EasFilterRepo, Entry>();

/** The compiled filters, from the cache when younger than the TTL; concurrent misses share one read. */
export function easFilters(store: Holder, now = Date.now()): Promise<readonly CompiledFilter[]> {
  const hit = cache.get(store.easFilters);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.pending;
  const entry: Entry = {
    at: now,
    pending: store.easFilters.list().then((rows) => rows.map(compileFilter).filter((f): f is CompiledFilter => f !== null)),
  };
  cache.set(store.easFilters, entry);
  // A failed read is not cached: the next request tries again.
  entry.pending.catch(() => {
    if (cache.get(store.easFilters) === entry) cache.delete(store.easFilters);
  });
  return entry.pending;
}

/** The versions offered to this request (the hook of src/eas/http.ts). */
export async function offeredVersions(store: Holder, configured: readonly string[], req: VersionRequest): Promise<Offered> {
  return evaluate(await easFilters(store), configured, req);
}

export function invalidateEasFilters(store: Holder): void {
  cache.delete(store.easFilters);
}

/** What the admin API and the CLI show of a filter (Carbonio's fields, plus the position and the rule as data). */
export interface FilterView {
  id: number;
  position: number;
  mode: string;
  /** Carbonio's text, e.g. `[type = contains; rule = outlook/]`; `unreadable` for a row this version cannot decode. */
  rule: string;
  ruleTree: Rule | null;
  easversions: string[];
  blocking: boolean;
}

export function filterView(r: EasFilterRecord): FilterView {
  const rule = decodeRule(r.rule);
  return { id: r.id, position: r.position, mode: r.mode, rule: rule ? describeRule(rule) : 'unreadable', ruleTree: rule, easversions: r.versions, blocking: r.blocking };
}

export interface NewFilterInput {
  type: string;
  parameter: string;
  mode: string;
  versions: string | readonly string[];
  blocking: boolean;
}

/** Validates and appends a filter; clears this process's cache so it applies at once. */
export async function addEasFilter(store: Holder, input: NewFilterInput, check?: (rule: Rule) => Promise<void>): Promise<EasFilterRecord> {
  const rule = parseRule(input.type, input.parameter);
  const mode = parseMode(input.mode);
  const versions = parseVersions(input.versions);
  await check?.(rule);
  if ((await store.easFilters.list()).length >= MAX_FILTERS) throw new StoreError('invalid', `there are already ${MAX_FILTERS} filters, the most allowed: delete one first`);
  const r = await store.easFilters.add({ rule: JSON.stringify(rule), mode, versions, blocking: input.blocking, createdAt: Date.now() });
  invalidateEasFilters(store);
  return r;
}

export async function deleteEasFilter(store: Holder, id: number): Promise<EasFilterRecord> {
  const r = await store.easFilters.delete(id);
  if (!r) throw new StoreError('not-found', `no EAS filter with ID ${id}`);
  invalidateEasFilters(store);
  return r;
}

export async function moveEasFilter(store: Holder, from: number, to: number): Promise<EasFilterRecord[]> {
  const r = await store.easFilters.move(from, to);
  invalidateEasFilters(store);
  return r;
}
