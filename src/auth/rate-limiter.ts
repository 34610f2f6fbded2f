// Brute-force brake: failures are counted per account and per client address over a window.
// Each failure waits longer before it is answered (base * 2^(n-1), capped at 5 s); at the limit the
// key is locked out for the window and further attempts are refused without checking the secret.
// In memory per process: with several nodes each node brakes on its own (documented in README).
import type { AuthLimits } from '../config.js';
import type { Clock } from '../core/clock.js';

interface Entry {
  failures: number[];
  lockedUntil: number;
}

const MAX_KEYS = 100_000;
const MAX_DELAY_MS = 5000;

export class RateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: AuthLimits, private readonly clock: Clock) {}

  /** Milliseconds left of a lockout on any of the keys, or 0. */
  lockedFor(keys: { account: string | null; address: string | null }): number {
    const now = this.clock.now();
    let left = 0;
    for (const k of this.keyList(keys)) {
      const e = this.entries.get(k);
      if (e && e.lockedUntil > now) left = Math.max(left, e.lockedUntil - now);
    }
    return left;
  }

  /** Records a failure; returns how long to wait before answering it. */
  fail(keys: { account: string | null; address: string | null }): number {
    const now = this.clock.now();
    let delay = 0;
    for (const k of this.keyList(keys)) {
      const max = k.startsWith('a:') ? this.limits.maxFailuresPerAccount : this.limits.maxFailuresPerAddress;
      const e = this.touch(k);
      e.failures = e.failures.filter((t) => t > now - this.limits.lockoutMs);
      e.failures.push(now);
      if (e.failures.length >= max) e.lockedUntil = now + this.limits.lockoutMs;
      if (k.startsWith('a:')) delay = Math.min(this.limits.failureDelayMs * 2 ** (e.failures.length - 1), MAX_DELAY_MS);
    }
    return delay;
  }

  /** A success clears the account's failures (the address keeps its count). */
  succeed(account: string): void {
    this.entries.delete(`a:${account}`);
  }

  /** Failures currently counted for an account (for tests and diagnostics). */
  failures(account: string): number {
    const now = this.clock.now();
    return this.entries.get(`a:${account}`)?.failures.filter((t) => t > now - this.limits.lockoutMs).length ?? 0;
  }

  private keyList(keys: { account: string | null; address: string | null }): string[] {
    const out: string[] = [];
    if (keys.account) out.push(`a:${keys.account}`);
    if (keys.address) out.push(`i:${keys.address}`);
    return out;
  }

  private touch(k: string): Entry {
    let e = this.entries.get(k);
    if (e) {
      this.entries.delete(k); // re-insert: the Map's order is then least-recently-failed first
    } else {
      e = { failures: [], lockedUntil: 0 };
      if (this.entries.size >= MAX_KEYS) this.prune();
    }
    this.entries.set(k, e);
    return e;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => t <= now - this.limits.lockoutMs)) this.entries.delete(k);
    }
    // Still full: drop the oldest tenth rather than grow without bound.
    let drop = this.entries.size >= MAX_KEYS ? Math.ceil(MAX_KEYS / 10) : 0;
    for (const k of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(k);
    }
  }
}
