// Anti-DoS (carbonio-features.md 5.7): per (account, device), the times of its last MaxRequests
// requests; when one more arrives while all of them are within TimeWindow, the device is jailed for
// JailDuration: its requests are refused (the caller answers HTTP 503 with Retry-After) until then.
// Every request is counted once, when it arrives, whatever it is: a held Ping or a Sync with Wait
// therefore counts once however long it is held, so a phone renewing its Ping every minute (or on each
// new mail) stays far below any sensible limit, while a loop of Pings answered at once is a burst like
// any other. Refused requests are not counted (the count starts afresh when the jail ends).
// Counting is per server process (a device whose requests a balancer spreads over k processes may send
// up to k x MaxRequests); jails are shared: stored in the database (the one winning insert mails the
// admins), read by every process through the snapshot of services.ts, so they apply everywhere within a
// second, and at once on the process that made them.
import type { AccountId, DeviceId } from '../core/ids.js';
import type { MobileJail, MobileServicesRepo } from '../store/types.js';
import { jailKey, runningIn, servicesSnapshot, freshSnapshot, type ServicesSnapshot } from './services.js';
import type { SettingsRepo } from '../store/types.js';

/** The last requests' arrival times of one device, oldest overwritten first. */
interface Ring {
  times: Float64Array;
  /** Where the next time goes; once full, also the oldest one. */
  next: number;
  count: number;
}

/** A jail this process made, enforced from here until a snapshot read after it was stored says otherwise. */
interface OwnJail {
  until: number;
  /** When the row was written (0 while the write is under way). */
  storedAt: number;
}

interface State {
  epoch: number;
  counters: Map<string, Ring>;
  own: Map<string, OwnJail>;
  sweptAt: number;
}

const states = new WeakMap<MobileServicesRepo, State>();

type Holder = { readonly mobileServices: MobileServicesRepo; readonly settings: SettingsRepo };

export type AntiDosVerdict =
  | { ok: true }
  /** `jail` is set on the request that caused the jail; `fresh` when this process's write made it (alert once). */
  | { ok: false; retryAfterSeconds: number; until: number; jail?: MobileJail; fresh?: boolean };

const OK: AntiDosVerdict = { ok: true };

function stateOf(store: Holder, snap: ServicesSnapshot): State {
  let st = states.get(store.mobileServices);
  if (!st) states.set(store.mobileServices, (st = { epoch: snap.antiDosEpoch, counters: new Map(), own: new Map(), sweptAt: 0 }));
  if (st.epoch !== snap.antiDosEpoch) {
    // anti-dos was restarted, stopped or started somewhere: every count and jail of this process goes.
    st.epoch = snap.antiDosEpoch;
    st.counters.clear();
    st.own.clear();
  }
  return st;
}

/** Drops the counters of devices quiet for a whole window, and ended jails (at most once per window). */
function sweep(st: State, now: number, windowMs: number): void {
  if (now - st.sweptAt < windowMs) return;
  st.sweptAt = now;
  for (const [k, j] of st.own) if (j.until <= now) st.own.delete(k);
  for (const [k, r] of st.counters) {
    const newest = r.times[(r.next + r.times.length - 1) % r.times.length] ?? 0;
    if (newest <= now - windowMs) st.counters.delete(k);
  }
}

/** The end of the device's jail as this process knows it, 0 when free. */
function jailEnd(st: State, snap: ServicesSnapshot, key: string, now: number): number {
  const shared = snap.jails.get(key) ?? 0;
  const own = st.own.get(key);
  if (!own) return shared;
  // Once a snapshot read after the row was stored, the database is the truth (an admin may have freed it).
  if (own.until <= now || (own.storedAt > 0 && snap.readAt > own.storedAt)) {
    st.own.delete(key);
    return shared;
  }
  return Math.max(shared, own.until);
}

const refused = (until: number, now: number): Extract<AntiDosVerdict, { ok: false }> => ({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)), until });

/**
 * Counts one request of a device and says whether it may run. Costs a few Map lookups while the
 * snapshot is fresh (one database read per second per process otherwise); writes only when jailing.
 */
export async function antiDosAdmit(store: Holder, accountId: AccountId, deviceId: DeviceId | string, now = Date.now()): Promise<AntiDosVerdict> {
  const snap = freshSnapshot(store, now) ?? (await servicesSnapshot(store, now));
  if (!runningIn(snap, 'anti-dos')) return OK;
  const st = stateOf(store, snap);
  const key = jailKey(accountId, deviceId);
  const end = jailEnd(st, snap, key, now);
  if (end > now) return refused(end, now);
  const { mobileAntiDosServiceMaxRequests: max, mobileAntiDosServiceTimeWindow: windowMs, mobileAntiDosServiceJailDuration: jailMs } = snap.antiDos;
  sweep(st, now, windowMs);
  let ring = st.counters.get(key);
  if (!ring || ring.times.length !== max) st.counters.set(key, (ring = { times: new Float64Array(max), next: 0, count: 0 }));
  const oldest = ring.times[ring.next] ?? 0;
  if (ring.count < max || oldest <= now - windowMs) {
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % max;
    ring.count = Math.min(max, ring.count + 1);
    return OK;
  }
  // Request max + 1 within the window: jailed here at once, then stored for the other processes.
  st.counters.delete(key);
  const jail: MobileJail = { accountId, deviceId: deviceId as DeviceId, jailedAt: now, until: now + jailMs, requests: max + 1, windowMs };
  const own: OwnJail = { until: jail.until, storedAt: 0 };
  st.own.set(key, own);
  const fresh = await store.mobileServices.jail(jail);
  own.storedAt = Date.now();
  return { ...refused(jail.until, now), jail, fresh };
}

/** Forgets this process's counters and own jails of a store (after an admin freed jails here). */
export function resetAntiDosState(store: Holder): void {
  states.delete(store.mobileServices);
}
