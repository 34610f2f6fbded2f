// The heartbeats of held requests (Ping, MS-ASCMD 2.2.1.13; Sync with Wait) on one timer per process: a
// wheel of one-second slots instead of a Node timer per held request (some 220 bytes each, with 10,000
// Pings held: issue 16 part 2). A heartbeat ends within a second after it is due, never before: phones
// count heartbeats in seconds, minutes apart. The timer runs only while something waits, and does not
// keep the process alive.
const TICK_MS = 1000;

export interface Expiring {
  expire(): void;
}

export class HeartbeatWheel {
  private readonly slots = new Map<number, Set<Expiring>>();
  private timer: NodeJS.Timeout | null = null;
  /** The last slot the timer has fired. */
  private last = 0;

  /** Calls `e.expire()` once `ms` have passed (rounded up to the next tick); returns its slot, for `remove`. */
  add(e: Expiring, ms: number): number {
    if (!this.timer) {
      this.last = Math.floor(performance.now() / TICK_MS);
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    const slot = Math.max(Math.ceil((performance.now() + ms) / TICK_MS), this.last + 1);
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    set.add(e);
    return slot;
  }

  remove(e: Expiring, slot: number): void {
    const set = this.slots.get(slot);
    if (!set?.delete(e) || set.size > 0) return;
    this.slots.delete(slot);
    this.stopIfIdle();
  }

  /** How many are waiting, for tests. */
  count(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.size;
    return n;
  }

  private tick(): void {
    // Every slot since the last tick: a late tick (a busy event loop) fires all that came due meanwhile.
    const now = Math.floor(performance.now() / TICK_MS);
    const due: Expiring[] = [];
    for (let slot = this.last + 1; slot <= now; slot++) {
      const set = this.slots.get(slot);
      if (!set) continue;
      due.push(...set);
      this.slots.delete(slot);
    }
    this.last = now;
    for (const e of due) e.expire();
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.slots.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}

/** The process's wheel. */
export const heartbeats = new HeartbeatWheel();
