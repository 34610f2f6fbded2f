// The mobile services (carbonio-features.md 3.6: `carbonio mobile getServices`, `doStartService`,
// `doStopService`, `doRestartService`) and the per-process snapshot every request reads them from.
//   module        the whole mobile module: stopped, every service below is down
//   activesync    /Microsoft-Server-ActiveSync (alias activesync-services): stopped, HTTP 503
//   autodiscover  the Autodiscover routes: stopped, HTTP 503
//   abq           Allow/Block/Quarantine checks (alias abq-services): stopped, the checks are skipped
//   anti-dos      request counting and jails: stopped (or mobileAntiDosServiceEnabled false), nothing is
//                 counted and jails are not enforced (they stay stored until they expire)
// States are rows of `mobile_services` (no row: running), so every server process honours them.
// Each process keeps one snapshot per store (service states, anti-DoS settings, live jails), read again
// when a request finds it older than SNAPSHOT_TTL_MS: a change made on another process applies within
// about a second, with one query set per second per process instead of one per request; a change made
// through this process applies at once (invalidateSnapshot). Polling rather than the change bus: the bus
// carries per-account mailbox notices, and a one-second read of three small tables costs less than a
// second kind of notice on every node.
import type { AccountId, DeviceId } from '../core/ids.js';
import { StoreError } from '../core/errors.js';
import type { MobileServicesRepo, MobileServiceState, Repos, SettingsRepo, Store } from '../store/types.js';
import { ANTIDOS_SCOPE, parseAntiDosSettings, type AntiDosSettings } from './antidos-settings.js';

export const SERVICE_NAMES = ['module', 'activesync', 'autodiscover', 'abq', 'anti-dos'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type ServiceAction = 'start' | 'stop' | 'restart';

const ALIASES: Readonly<Record<string, ServiceName>> = { 'activesync-services': 'activesync', 'abq-services': 'abq' };

/** How old a snapshot may be before a request reads the database again. */
export const SNAPSHOT_TTL_MS = 1_000;

/** The canonical name of a service or alias (any case), or null. */
export function resolveService(name: string): ServiceName | null {
  const n = name.trim().toLowerCase();
  return (SERVICE_NAMES as readonly string[]).includes(n) ? (n as ServiceName) : ALIASES[n] ?? null;
}

export function unknownService(name: string): StoreError {
  return new StoreError('invalid', `unknown service "${name}" (known: ${SERVICE_NAMES.join(', ')}; aliases ${Object.keys(ALIASES).join(', ')})`);
}

/** What every request of this process reads: one database read per SNAPSHOT_TTL_MS. */
export interface ServicesSnapshot {
  /** When its read started: anything written before that is in it. */
  readAt: number;
  /** When it was last read or retried: it is fresh for SNAPSHOT_TTL_MS from then. */
  checkedAt: number;
  flags: ReadonlyMap<string, MobileServiceState>;
  antiDos: AntiDosSettings;
  /** Live jails by jailKey, to the end of each. */
  jails: Map<string, number>;
  /** When anti-dos last changed state (a restart empties jails and counters everywhere). */
  antiDosEpoch: number;
}

export const jailKey = (accountId: AccountId, deviceId: DeviceId | string): string => `${accountId}\n${deviceId}`;

type Holder = { readonly mobileServices: MobileServicesRepo; readonly settings: SettingsRepo };

interface Entry {
  snap: ServicesSnapshot | null;
  pending: Promise<ServicesSnapshot> | null;
  /** Bumped by invalidateSnapshot: a read started before a change made here must not replace a later one. */
  generation: number;
}

/** Per store (by its repository), so several servers in one process keep apart. */
const entries = new WeakMap<MobileServicesRepo, Entry>();

function entryOf(store: Holder): Entry {
  let e = entries.get(store.mobileServices);
  if (!e) entries.set(store.mobileServices, (e = { snap: null, pending: null, generation: 0 }));
  return e;
}

async function read(store: Holder): Promise<ServicesSnapshot> {
  const readAt = Date.now();
  const [states, stored, jails] = await Promise.all([store.mobileServices.services(), store.settings.list(ANTIDOS_SCOPE), store.mobileServices.liveJails(readAt)]);
  const flags = new Map(states.map((s) => [s.name, s]));
  return {
    readAt, checkedAt: readAt, flags, antiDos: parseAntiDosSettings(stored),
    jails: new Map(jails.map((j) => [jailKey(j.accountId, j.deviceId), j.until])),
    antiDosEpoch: flags.get('anti-dos')?.changedAt ?? 0,
  };
}

/** The snapshot if younger than the TTL, else null: the request path's cheap check. */
export function freshSnapshot(store: Holder, now: number): ServicesSnapshot | null {
  const s = entries.get(store.mobileServices)?.snap;
  return s && now - s.checkedAt < SNAPSHOT_TTL_MS ? s : null;
}

/**
 * The snapshot, read again when older than the TTL (concurrent callers share one read). A failed read
 * keeps serving the previous snapshot, if any, so a database hiccup does not stop every request here.
 */
export function servicesSnapshot(store: Holder, now = Date.now()): Promise<ServicesSnapshot> {
  const fresh = freshSnapshot(store, now);
  if (fresh) return Promise.resolve(fresh);
  const e = entryOf(store);
  if (e.pending) return e.pending;
  const generation = e.generation;
  const pending = read(store).then((snap) => {
    if (e.generation === generation) e.snap = snap;
    return snap;
  }, (err: unknown) => {
    if (!e.snap) throw err;
    // Tried again in half a TTL, not by every request meanwhile.
    e.snap = { ...e.snap, checkedAt: Date.now() - SNAPSHOT_TTL_MS / 2 };
    return e.snap;
  }).finally(() => {
    if (e.pending === pending) e.pending = null;
  });
  e.pending = pending;
  return pending;
}

/** Forgets this process's snapshot: the next request reads the database (after a change made here). */
export function invalidateSnapshot(store: Holder): void {
  const e = entries.get(store.mobileServices);
  if (e) {
    e.snap = null;
    e.pending = null;
    e.generation++;
  }
}

const flagOf = (snap: ServicesSnapshot, name: ServiceName): boolean => snap.flags.get(name)?.running ?? true;

/** Why a service cannot run now though its own flag may say so, or null. */
function blocker(snap: ServicesSnapshot, name: ServiceName): string | null {
  if (name !== 'module' && !flagOf(snap, 'module')) return 'module stopped';
  if (name === 'anti-dos' && !snap.antiDos.mobileAntiDosServiceEnabled) return 'anti-dos disabled';
  return null;
}

/** Whether a service works now: its own state, the module's, and for anti-dos the Enabled setting. */
export function runningIn(snap: ServicesSnapshot, name: ServiceName): boolean {
  return flagOf(snap, name) && blocker(snap, name) === null;
}

/** Whether a service works now, for callers outside the request path's snapshot (ABQ: `serviceRunning(store, 'abq')`). */
export async function serviceRunning(store: Holder, name: ServiceName): Promise<boolean> {
  return runningIn(await servicesSnapshot(store), name);
}

export interface ServiceView {
  name: ServiceName;
  could_start: boolean;
  could_stop: boolean;
  running: boolean;
  could_not_start_because?: string;
}

export function serviceView(snap: ServicesSnapshot, name: ServiceName): ServiceView {
  const running = runningIn(snap, name);
  const why = blocker(snap, name);
  return { name, could_start: !running && why === null, could_stop: running, running, ...(why !== null && !running ? { could_not_start_because: why } : {}) };
}

export async function listServices(store: Holder): Promise<ServiceView[]> {
  invalidateSnapshot(store);
  const snap = await servicesSnapshot(store);
  return SERVICE_NAMES.map((n) => serviceView(snap, n));
}

type TxStore = Pick<Store, 'transaction'> & Holder;

/**
 * Starts, stops or restarts a service, in one transaction. Restarting anti-dos also ends every jail, and
 * (through the epoch every process reads) empties every process's counters. Starting a service that
 * cannot run (anti-dos disabled, module stopped) is refused with the reason.
 */
export async function changeService(store: TxStore, name: ServiceName, action: ServiceAction, by: string, now = Date.now()): Promise<{ service: ServiceView; released: number }> {
  invalidateSnapshot(store);
  const before = await servicesSnapshot(store, now);
  const why = blocker(before, name);
  if (action !== 'stop' && why !== null) throw new StoreError('conflict', `cannot ${action} ${name}: ${why}`);
  const released = await store.transaction(async (tx: Repos) => {
    // A changed time strictly after the previous one, so every process sees a new anti-dos epoch.
    const changedAt = Math.max(now, (before.flags.get(name)?.changedAt ?? 0) + 1);
    await tx.mobileServices.setService({ name, running: action !== 'stop', changedAt, changedBy: by });
    return name === 'anti-dos' && action === 'restart' ? tx.mobileServices.release('all', now) : 0;
  });
  invalidateSnapshot(store);
  const after = await servicesSnapshot(store);
  return { service: serviceView(after, name), released };
}
