// Holding a request until something changes (Ping, MS-ASCMD 2.2.1.13; Sync with Wait or HeartbeatInterval):
// the account's subscription on the change bus (shared by its held requests, watch-hub.ts), filtered to
// the watched folders, the heartbeat in the process's wheel (heartbeat-wheel.ts), and a registration as
// the device's held request so a newer request of the device, device management or shutdown can end it.
// Nothing polls the store while waiting, unless the push setting useInstantNotifications is false: then
// the bus is left alone and the store is re-checked every notificationsLatency seconds
// (POLL_FALLBACK_SECONDS when 0) with Ping's own check (pending.ts).
import type { AccountId, FolderId } from '../../core/ids.js';
import { easMetrics, pingWakeups, wakeLatency } from '../../core/metrics.js';
import { peekPushSettings, POLL_FALLBACK_SECONDS } from '../../devices/push-settings.js';
import type { EasContext } from '../command.js';
import type { ChangeNotice } from '../../store/types.js';
import { recheck } from './pending.js';
import { watchHub, type Watcher, type WatchHub } from './watch-hub.js';
import { heartbeats, type Expiring } from './heartbeat-wheel.js';

export type WatchEnd =
  | { kind: 'changed'; folderIds: FolderId[] }
  | { kind: 'hierarchy' }
  | { kind: 'timeout' }
  /** A newer request of the device, device management or shutdown ended it. */
  | { kind: 'ended' }
  /** The bus may have missed changes (it reconnected to the other processes): re-check the store. */
  | { kind: 'resync' }
  | { kind: 'gone' };

export interface WatchOptions {
  folderIds: readonly FolderId[];
  seconds: number;
  /** Seconds to keep gathering changes after the first one before answering (notificationsLatency). */
  latencySeconds?: number;
  /** Whether a change to the folder hierarchy ends the watch (Ping answers 7). */
  hierarchy?: boolean;
  /** The command holding the request, for getActiveSessions and the metrics (default: the request's Cmd). */
  command?: string;
  /** Wake on the change bus (default: the useInstantNotifications setting); false re-checks the store on a timer. */
  instant?: boolean;
  /**
   * Looks in the store once the watch is listening: a change committed between the caller's last look and
   * the subscription would otherwise wait for the heartbeat. Folders returned end the watch as changed.
   */
  precheck?: () => Promise<FolderId[]>;
}

export function watchFolders(ctx: EasContext, opts: WatchOptions): Promise<WatchEnd> {
  return new Promise((resolve) => new HeldWatch(ctx, opts, resolve).start(opts));
}

const TIMEOUT: WatchEnd = { kind: 'timeout' };
const ENDED: WatchEnd = { kind: 'ended' };
const GONE: WatchEnd = { kind: 'gone' };
const RESYNC: WatchEnd = { kind: 'resync' };
const HIERARCHY: WatchEnd = { kind: 'hierarchy' };
const onGathered = (w: HeldWatch): void => w.finish({ kind: 'changed', folderIds: [...(w.changed ?? [])] });

/**
 * One held request: its state in fields and two small callbacks, its heartbeat in the process's wheel
 * (heartbeat-wheel.ts), subscribed through the account's shared subscription (watch-hub.ts). It keeps no
 * reference to the request body or its decoded tree, only what it needs to answer, since a server holds
 * one per phone for up to an hour (issue 16 part 2).
 */
class HeldWatch implements Watcher, Expiring {
  readonly accountId: AccountId;
  /** The watched folders changed so far; made on the first change. */
  changed: Set<FolderId> | null = null;
  private readonly watched: readonly FolderId[] | ReadonlySet<number>;
  private readonly hierarchy: boolean;
  private readonly latency: number;
  private readonly command: string;
  private readonly instant: boolean;
  private readonly hub: WatchHub;
  /** The heartbeat's slot in the wheel (heartbeat-wheel.ts); null until started. */
  private slot: number | null = null;
  private gather: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private noticedAt: number | null = null;
  private settled = false;
  private unregister: (() => void) | null = null;
  /** For the client's signal and device management (sessions.ts): a function each, as they take one. */
  private readonly gone = (): void => this.finish(GONE);
  private readonly ended = (): void => this.finish(ENDED);

  constructor(private readonly ctx: EasContext, opts: WatchOptions, private readonly resolve: (end: WatchEnd) => void) {
    const settings = peekPushSettings(ctx.deps.store);
    this.accountId = ctx.account.id;
    // A list is smaller than a Set for the few folders a phone pings; a Set answers faster for many.
    // (a copy of its length: arrays made by filter or push reserve room for more).
    this.watched = opts.folderIds.length <= 16 ? opts.folderIds.slice() : new Set<number>(opts.folderIds);
    this.hierarchy = opts.hierarchy ?? false;
    this.latency = opts.latencySeconds ?? settings.notificationsLatency;
    this.command = opts.command ?? ctx.query.cmd.charAt(0).toUpperCase() + ctx.query.cmd.slice(1).toLowerCase();
    this.instant = opts.instant ?? settings.useInstantNotifications;
    this.hub = watchHub(ctx.deps.bus);
  }

  start(opts: WatchOptions): void {
    const { ctx } = this;
    this.slot = heartbeats.add(this, opts.seconds * 1000);
    // Without instant notifications the hub still brings ABQ orders to end the device's request (the
    // notice is an order, not a change to look for) and resyncs; only a persistent device has orders.
    this.hub.add(this);
    if (ctx.persistentDevice) {
      this.unregister = ctx.deps.sessions.register(ctx.account.id, ctx.device.deviceId, this.ended, { command: this.command, heartbeat: opts.seconds, since: Date.now() });
    }
    if (!this.instant) this.check(opts.folderIds);
    if (ctx.signal.aborted) return this.finish(GONE);
    ctx.signal.addEventListener('abort', this.gone);
    opts.precheck?.().then((found) => {
      if (found.length > 0) this.finish({ kind: 'changed', folderIds: found });
    }, (err: unknown) => ctx.log.warn({ err }, 'checking a held request against the store failed'));
  }

  notice(n: ChangeNotice): void {
    if (this.ctx.persistentDevice && n.endDevices?.includes(this.ctx.device.deviceId)) return this.finish(ENDED);
    if (!this.instant) return;
    if (this.hierarchy && n.hierarchy) return this.finish(HIERARCHY);
    for (const f of n.folderIds) if (this.watches(f)) (this.changed ??= new Set()).add(f);
    if (this.changed === null) return;
    this.noticedAt ??= performance.now();
    if (this.latency <= 0) this.finish({ kind: 'changed', folderIds: [...this.changed] });
    else this.gather ??= setTimeout(onGathered, this.latency * 1000, this);
  }

  expire(): void {
    this.finish(TIMEOUT);
  }

  resync(): void {
    this.finish(RESYNC);
  }

  finish(end: WatchEnd): void {
    if (this.settled) return;
    this.settled = true;
    if (this.slot !== null) heartbeats.remove(this, this.slot);
    if (this.gather) clearTimeout(this.gather);
    if (this.poll) clearTimeout(this.poll);
    this.hub.remove(this);
    this.unregister?.();
    this.ctx.signal.removeEventListener('abort', this.gone);
    record(this.command, end.kind, end.kind === 'changed' ? this.noticedAt : null);
    this.resolve(end);
  }

  private watches(f: FolderId): boolean {
    return Array.isArray(this.watched) ? (this.watched as readonly FolderId[]).includes(f) : (this.watched as ReadonlySet<number>).has(f);
  }

  /** Without instant notifications: the store is re-checked every notificationsLatency seconds. */
  private check(folderIds: readonly FolderId[]): void {
    const pollMs = (this.latency > 0 ? Math.max(1, this.latency) : POLL_FALLBACK_SECONDS) * 1000;
    this.poll = setTimeout(() => {
      recheck(this.ctx, folderIds, this.hierarchy).then((end) => {
        if (end) this.finish(end);
        else if (!this.settled) this.check(folderIds);
      }, (err: unknown) => {
        this.ctx.log.warn({ err }, 're-checking a held request failed');
        if (!this.settled) this.check(folderIds);
      });
    }, pollMs);
  }
}

/** Metrics: why a held Ping ended; how long after the first change notice a watch answered. */
function record(command: string, kind: WatchEnd['kind'], noticedAt: number | null): void {
  if (noticedAt !== null) wakeLatency.observe((performance.now() - noticedAt) / 1000);
  if (command !== 'Ping') return;
  const reason = kind === 'changed' ? 'change' : kind;
  (pingWakeups[reason] ?? easMetrics.pingWakeups.labels(reason)).inc();
}
