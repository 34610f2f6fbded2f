// The initial download every Sync benchmark measures: SyncKey 0, then Sync until nothing more is
// available, counting the Adds and sampling RSS. `sync` sends one Sync of the collection with the key;
// `rss` reads the RSS to sample after each window (by default this process's: the server's when it runs
// in its own process, see bench/sync.ts).
import type { EasResponse } from '../test/helpers/eas-client.js';
import { child, children, textOf } from '../src/eas/wbxml/index.js';

export interface InitialSync {
  /** The key after the last window (for incremental Syncs after it). */
  key: string;
  items: number;
  seconds: number;
  peakRss: number;
}

const ownRss = (): number => process.memoryUsage().rss;

export async function initialSync(sync: (key: string) => Promise<EasResponse>, rss: () => number = ownRss): Promise<InitialSync> {
  const key = textOf(child(child((await sync('0')).root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
  const r = await syncToEnd(sync, key, 'Add', rss);
  return { key: r.key, items: r.count, seconds: r.seconds, peakRss: r.peakRss };
}

/** Syncs from `key` until the server has nothing more, counting the `kind` commands it sends. */
export async function syncToEnd(
  sync: (key: string) => Promise<EasResponse>, key: string, kind: 'Add' | 'Change', rss: () => number = ownRss,
): Promise<{ key: string; count: number; seconds: number; peakRss: number }> {
  let peakRss = rss();
  let count = 0;
  const t0 = performance.now();
  for (;;) {
    const r = await sync(key);
    if (r.raw.length === 0) break;
    const c = child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection');
    key = textOf(c, 'AirSync:SyncKey')!;
    count += children(child(c, 'AirSync:Commands'), `AirSync:${kind}`).length;
    peakRss = Math.max(peakRss, rss());
    if (!child(c, 'AirSync:MoreAvailable')) break;
  }
  return { key, count, seconds: (performance.now() - t0) / 1000, peakRss };
}
