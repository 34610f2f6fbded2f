// ABQ mode (carbonio-features.md 5.6, issue 15): `abqMode` Permissive | Interactive | Strict | Disabled,
// stored in `store.settings` under `global`, `domain:<id>` and `account:<id>`; the most specific wins,
// Disabled when none is set. `default` as a value removes the override of that scope. The first time a
// mode other than Disabled is set anywhere, every device known then is put on the control list as
// Allowed (once; the run is recorded as job `abq-import`), so turning ABQ on never locks out phones in use.
// Reads go through a cache of CACHE_TTL_MS per store; a change on this process clears it at once.
import { StoreError } from '../core/errors.js';
import type { Account, Repos, Store } from '../store/types.js';

export const ABQ_MODES = ['Permissive', 'Interactive', 'Strict', 'Disabled'] as const;
export type AbqMode = (typeof ABQ_MODES)[number];
export const ABQ_MODE_KEY = 'abqMode';
export const IMPORT_JOB = 'abq-import';
const CACHE_TTL_MS = 2_000;

export type ModeScope = { kind: 'global' } | { kind: 'domain'; id: string } | { kind: 'account'; id: string };

export const scopeKey = (s: ModeScope): string => (s.kind === 'global' ? 'global' : `${s.kind}:${s.id}`);

/** The canonical mode of a value typed in any case; `default` is null (remove the override); else 'invalid'. */
export function parseMode(raw: unknown): AbqMode | null {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (v === 'default') return null;
  const m = ABQ_MODES.find((x) => x.toLowerCase() === v);
  if (!m) throw new StoreError('invalid', `invalid value ${typeof raw === 'string' ? `"${raw.slice(0, 40)}" ` : ''}for abqMode: expected ${ABQ_MODES.join(', ')} (or default to remove this scope's value)`);
  return m;
}

const stored = (v: string | null | undefined): AbqMode | null => (v ? (ABQ_MODES.find((m) => m === v) ?? null) : null);

interface Cached<T> { at: number; value: Promise<T> }
const modeCache = new WeakMap<object, Map<string, Cached<{ mode: AbqMode; from: string }>>>();
const everCache = new WeakMap<object, Cached<boolean>>();

function cached<T>(hit: Cached<T> | undefined, now: number, load: () => Promise<T>, put: (c: Cached<T>) => void, drop: () => void): Promise<T> {
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
  const c: Cached<T> = { at: now, value: load() };
  put(c);
  c.value.catch(drop);
  return c.value;
}

/** The account's mode and the scope it comes from (`account`, `domain`, `global` or `none`). */
export async function loadMode(store: Pick<Repos, 'settings'>, account: Account): Promise<{ mode: AbqMode; from: string }> {
  const [a, d, g] = await Promise.all([
    store.settings.get(`account:${account.id}`, ABQ_MODE_KEY), store.settings.get(`domain:${account.domainId}`, ABQ_MODE_KEY), store.settings.get('global', ABQ_MODE_KEY),
  ]);
  const pick = ([['account', a], ['domain', d], ['global', g]] as const).find(([, v]) => stored(v) !== null);
  return pick ? { mode: stored(pick[1]) ?? 'Disabled', from: pick[0] } : { mode: 'Disabled', from: 'none' };
}

/** loadMode through the per-process cache. */
export function modeOf(store: Pick<Repos, 'settings'>, account: Account, now = Date.now()): Promise<{ mode: AbqMode; from: string }> {
  let m = modeCache.get(store.settings);
  if (!m) modeCache.set(store.settings, (m = new Map<string, Cached<{ mode: AbqMode; from: string }>>()));
  const map = m;
  return cached(map.get(account.id), now, () => loadMode(store, account), (c) => map.set(account.id, c), () => map.delete(account.id));
}

/** Whether ABQ was ever switched on (then devices may sit in the stand-in mailbox even when it is Disabled now). */
export function abqEverEnabled(store: Pick<Repos, 'abq'>, now = Date.now()): Promise<boolean> {
  return cached(everCache.get(store.abq), now, async () => (await store.abq.lastRun(IMPORT_JOB)) !== null, (c) => everCache.set(store.abq, c), () => everCache.delete(store.abq));
}

export function invalidateAbqMode(store: Pick<Repos, 'settings' | 'abq'>): void {
  modeCache.delete(store.settings);
  everCache.delete(store.abq);
}

/** The mode stored at one scope (null: not set there). */
export async function modeAt(store: Pick<Repos, 'settings'>, scope: ModeScope): Promise<AbqMode | null> {
  return stored(await store.settings.get(scopeKey(scope), ABQ_MODE_KEY));
}

/**
 * Sets (or with `default` removes) the mode of a scope; the first mode other than Disabled imports the
 * known devices as Allowed, in the same transaction. Returns the new value and how many devices were imported.
 */
export async function setMode(store: Store, scope: ModeScope, raw: unknown, by: string, now = Date.now()): Promise<{ mode: AbqMode | null; previous: AbqMode | null; imported: number | null }> {
  const mode = parseMode(raw);
  const result = await store.transaction(async (tx) => {
    const previous = await modeAt(tx, scope);
    if (mode === null) await tx.settings.delete(scopeKey(scope), ABQ_MODE_KEY);
    else await tx.settings.set(scopeKey(scope), ABQ_MODE_KEY, mode);
    let imported: number | null = null;
    // The claim never expires: the import happens once in the life of the installation.
    if (mode !== null && mode !== 'Disabled' && (await tx.abq.claimRun(IMPORT_JOB, now, Number.MAX_SAFE_INTEGER))) {
      imported = await tx.abq.importKnownDevices(now, `import when ABQ was enabled by ${by}`);
    }
    return { mode, previous, imported };
  });
  invalidateAbqMode(store);
  return result;
}
