// Holding a request until something changes (Ping, MS-ASCMD 2.2.1.13; Sync with Wait or HeartbeatInterval):
// a subscription on the change bus for the account, filtered to the watched folders, a timer for the
// heartbeat, and a registration as the device's held request so a newer request of the device, device
// management or shutdown can end it. Nothing polls the store while waiting.
import type { FolderId } from '../../core/ids.js';
import type { EasContext } from '../command.js';

export type WatchEnd =
  | { kind: 'changed'; folderIds: FolderId[] }
  | { kind: 'hierarchy' }
  | { kind: 'timeout' }
  /** A newer request of the device, device management or shutdown ended it. */
  | { kind: 'ended' }
  | { kind: 'gone' };

export interface WatchOptions {
  folderIds: readonly FolderId[];
  seconds: number;
  /** Seconds to keep gathering changes after the first one before answering (notificationsLatency). */
  latencySeconds?: number;
  /** Whether a change to the folder hierarchy ends the watch (Ping answers 7). */
  hierarchy?: boolean;
}

export function watchFolders(ctx: EasContext, opts: WatchOptions): Promise<WatchEnd> {
  return new Promise((resolve) => {
    const watched = new Set<number>(opts.folderIds);
    const changed = new Set<FolderId>();
    let gather: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (end: WatchEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (gather) clearTimeout(gather);
      unsubscribe();
      unregister();
      ctx.signal.removeEventListener('abort', onGone);
      resolve(end);
    };
    const onGone = (): void => finish({ kind: 'gone' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), opts.seconds * 1000);
    const unsubscribe = ctx.deps.bus.subscribe(ctx.account.id, (n) => {
      if (opts.hierarchy && n.hierarchy) return finish({ kind: 'hierarchy' });
      for (const f of n.folderIds) if (watched.has(f)) changed.add(f);
      if (changed.size === 0) return;
      const latency = opts.latencySeconds ?? 0;
      if (latency <= 0) finish({ kind: 'changed', folderIds: [...changed] });
      else gather ??= setTimeout(() => finish({ kind: 'changed', folderIds: [...changed] }), latency * 1000);
    });
    const unregister = ctx.persistentDevice ? ctx.deps.sessions.register(ctx.account.id, ctx.device.deviceId, () => finish({ kind: 'ended' })) : () => undefined;
    if (ctx.signal.aborted) onGone();
    else ctx.signal.addEventListener('abort', onGone);
  });
}
