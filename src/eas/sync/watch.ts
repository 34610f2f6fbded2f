// Holding a request until something changes (Ping, MS-ASCMD 2.2.1.13; Sync with Wait or HeartbeatInterval):
// a subscription on the change bus for the account, filtered to the watched folders, a timer for the
// heartbeat, and a registration as the device's held request so a newer request of the device, device
// management or shutdown can end it. Nothing polls the store while waiting, unless the push setting
// useInstantNotifications is false: then the bus is left alone and the store is re-checked every
// notificationsLatency seconds (POLL_FALLBACK_SECONDS when 0) with Ping's own check (pending.ts).
import type { FolderId } from '../../core/ids.js';
import { easMetrics, pingWakeups, wakeLatency } from '../../core/metrics.js';
import { peekPushSettings, POLL_FALLBACK_SECONDS } from '../../devices/push-settings.js';
import type { EasContext } from '../command.js';
import { recheck } from './pending.js';

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
  return new Promise((resolve) => {
    const watched = new Set<number>(opts.folderIds);
    const changed = new Set<FolderId>();
    const settings = peekPushSettings(ctx.deps.store);
    const latency = opts.latencySeconds ?? settings.notificationsLatency;
    const command = opts.command ?? ctx.query.cmd.charAt(0).toUpperCase() + ctx.query.cmd.slice(1).toLowerCase();
    let gather: NodeJS.Timeout | null = null;
    let poll: NodeJS.Timeout | null = null;
    let noticedAt: number | null = null;
    let settled = false;
    const finish = (end: WatchEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (gather) clearTimeout(gather);
      if (poll) clearTimeout(poll);
      unsubscribe();
      unending();
      unresync();
      unregister();
      ctx.signal.removeEventListener('abort', onGone);
      record(command, end.kind, end.kind === 'changed' ? noticedAt : null);
      resolve(end);
    };
    const onGone = (): void => finish({ kind: 'gone' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), opts.seconds * 1000);
    const instant = opts.instant ?? settings.useInstantNotifications;
    // An ABQ status change of the device, on any server process, ends its held request (even without instant
    // notifications: the notice is an order, not a change to look for).
    const unending = ctx.persistentDevice ? ctx.deps.bus.subscribe(ctx.account.id, (n) => {
      if (n.endDevices?.includes(ctx.device.deviceId)) finish({ kind: 'ended' });
    }) : () => undefined;
    const unsubscribe = !instant ? () => undefined : ctx.deps.bus.subscribe(ctx.account.id, (n) => {
      if (opts.hierarchy && n.hierarchy) return finish({ kind: 'hierarchy' });
      for (const f of n.folderIds) if (watched.has(f)) changed.add(f);
      if (changed.size === 0) return;
      noticedAt ??= performance.now();
      if (latency <= 0) finish({ kind: 'changed', folderIds: [...changed] });
      else gather ??= setTimeout(() => finish({ kind: 'changed', folderIds: [...changed] }), latency * 1000);
    });
    const unresync = ctx.deps.bus.onResync?.(() => finish({ kind: 'resync' })) ?? (() => undefined);
    const unregister = ctx.persistentDevice
      ? ctx.deps.sessions.register(ctx.account.id, ctx.device.deviceId, () => finish({ kind: 'ended' }), { command, heartbeat: opts.seconds, since: Date.now() })
      : () => undefined;
    const pollMs = (latency > 0 ? Math.max(1, latency) : POLL_FALLBACK_SECONDS) * 1000;
    const check = (): void => {
      poll = setTimeout(() => {
        recheck(ctx, opts.folderIds, opts.hierarchy ?? false).then((end) => {
          if (end) finish(end);
          else if (!settled) check();
        }, (err: unknown) => {
          ctx.log.warn({ err }, 're-checking a held request failed');
          if (!settled) check();
        });
      }, pollMs);
    };
    if (!instant) check();
    if (ctx.signal.aborted) onGone();
    else ctx.signal.addEventListener('abort', onGone);
    opts.precheck?.().then((found) => {
      if (found.length > 0) finish({ kind: 'changed', folderIds: found });
    }, (err: unknown) => ctx.log.warn({ err }, 'checking a held request against the store failed'));
  });
}

/** Metrics: why a held Ping ended; how long after the first change notice a watch answered. */
function record(command: string, kind: WatchEnd['kind'], noticedAt: number | null): void {
  if (noticedAt !== null) wakeLatency.observe((performance.now() - noticedAt) / 1000);
  if (command !== 'Ping') return;
  const reason = kind === 'changed' ? 'change' : kind;
  (pingWakeups[reason] ?? easMetrics.pingWakeups.labels(reason)).inc();
}
