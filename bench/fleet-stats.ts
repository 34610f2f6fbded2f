// Counters of the fleet load client (bench/fleet-client.ts): requests by command, errors by kind and the
// latency samples of one phase, plus the small seeded random source every part of the client draws from
// (so that two runs offer the same load: the same accounts get mail, the same devices send).
import type { PhaseStats } from './fleet-protocol.js';

/**
 * The phase's counters as they are when a request ends (null: between phases, nothing counts), so that a
 * Ping sent before the timed part and answered in it counts in the timed part.
 */
export interface StatsRef {
  readonly current: Stats | null;
}

export class Stats {
  readonly requests: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly syncMs: number[] = [];
  readonly wakeMs: number[] = [];
  readonly wakeFromDataMs: number[] = [];
  readonly smtpMs: number[] = [];
  private readonly started = performance.now();
  private readonly cpu0 = process.cpuUsage();

  count(cmd: string): void {
    this.requests[cmd] = (this.requests[cmd] ?? 0) + 1;
  }

  /** A delivery's wake, once both its 250 and the Ping answer are in. */
  wake(w: { sent: number; accepted: number; answered: number }): void {
    this.wakeMs.push(w.answered - w.accepted);
    this.wakeFromDataMs.push(w.answered - w.sent);
  }

  error(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  /** The phase's figures, frozen now. */
  finish(heldAtEnd: number, smtpBacklog: number): PhaseStats {
    const seconds = (performance.now() - this.started) / 1000;
    const cpu = process.cpuUsage(this.cpu0);
    const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
    return {
      seconds, requests: { ...this.requests }, errors: { ...this.errors },
      syncMs: sorted(this.syncMs), wakeMs: sorted(this.wakeMs), wakeFromDataMs: sorted(this.wakeFromDataMs), smtpMs: sorted(this.smtpMs),
      clientCpu: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
      heldAtEnd, smtpBacklog,
    };
  }
}

/** mulberry32: a tiny deterministic generator in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
