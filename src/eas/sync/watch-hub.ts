// One change-bus subscription per account for all the requests it holds (Ping, MS-ASCMD 2.2.1.13; Sync
// with Wait), and one resync listener per bus, instead of two subscriptions and a resync listener per
// held request: a server holding 10,000 Pings keeps 10,000 watchers, not 30,000 listener closures in
// the bus (issue 16 part 2). The hub subscribes when an account's first watcher arrives and unsubscribes
// when its last one leaves.
import type { AccountId } from '../../core/ids.js';
import type { Bus } from '../../bus/types.js';
import type { ChangeNotice } from '../../store/types.js';

export interface Watcher {
  readonly accountId: AccountId;
  notice(n: ChangeNotice): void;
  resync(): void;
}

interface AccountWatchers {
  watchers: Set<Watcher>;
  unsubscribe: () => void;
}

export class WatchHub {
  private readonly accounts = new Map<AccountId, AccountWatchers>();
  private unresync: (() => void) | null = null;

  constructor(private readonly bus: Bus) {}

  add(w: Watcher): void {
    let a = this.accounts.get(w.accountId);
    if (!a) {
      const watchers = new Set<Watcher>();
      // A copy: a watcher that finishes on a notice leaves the set while it is walked.
      const unsubscribe = this.bus.subscribe(w.accountId, (n) => { for (const x of [...watchers]) x.notice(n); });
      this.accounts.set(w.accountId, (a = { watchers, unsubscribe }));
    }
    a.watchers.add(w);
    this.unresync ??= this.bus.onResync?.(() => this.resyncAll()) ?? null;
  }

  remove(w: Watcher): void {
    const a = this.accounts.get(w.accountId);
    if (!a?.watchers.delete(w) || a.watchers.size > 0) return;
    a.unsubscribe();
    this.accounts.delete(w.accountId);
    if (this.accounts.size === 0 && this.unresync) {
      this.unresync();
      this.unresync = null;
    }
  }

  /** How many requests are watching, for tests. */
  count(): number {
    let n = 0;
    for (const a of this.accounts.values()) n += a.watchers.size;
    return n;
  }

  private resyncAll(): void {
    const all: Watcher[] = [];
    for (const a of this.accounts.values()) all.push(...a.watchers);
    for (const w of all) w.resync();
  }
}

const hubs = new WeakMap<Bus, WatchHub>();

/** The hub of a bus (one per bus, made when first asked for). */
export function watchHub(bus: Bus): WatchHub {
  let hub = hubs.get(bus);
  if (!hub) hubs.set(bus, (hub = new WatchHub(bus)));
  return hub;
}
