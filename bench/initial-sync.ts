// The initial download every Sync benchmark measures: SyncKey 0, then Sync until nothing more is
// available, counting the Adds and sampling RSS. `sync` sends one Sync of the collection with the key;
// `rss` reads the RSS to sample after each window (by default this process's: the server's when it runs
// in its own process, see bench/sync.ts). Only the raw bytes of the answers are read, by a light scan
// (bench/sync-scan.ts), not a decode: the load client stays cheap beside the server it measures.
import type { EasResponse } from '../test/helpers/eas-client.js';
import { scanSync } from './sync-scan.js';

/** What the windows need of an answer: the raw bytes (its `root` may be left null by a light client). */
type SyncAnswer = Pick<EasResponse, 'raw'>;

export interface InitialSync {
  /** The key after the last window (for incremental Syncs after it). */
  key: string;
  items: number;
  seconds: number;
  peakRss: number;
}

const ownRss = (): number => process.memoryUsage().rss;

export async function initialSync(sync: (key: string) => Promise<SyncAnswer>, rss: () => number = ownRss): Promise<InitialSync> {
  const key = scanSync((await sync('0')).raw).key!;
  const r = await syncToEnd(sync, key, 'Add', rss);
  return { key: r.key, items: r.count, seconds: r.seconds, peakRss: r.peakRss };
}

/** Syncs from `key` until the server has nothing more, counting the `kind` commands it sends. */
export async function syncToEnd(
  sync: (key: string) => Promise<SyncAnswer>, key: string, kind: 'Add' | 'Change', rss: () => number = ownRss,
): Promise<{ key: string; count: number; seconds: number; peakRss: number }> {
  let peakRss = rss();
  let count = 0;
  const t0 = performance.now();
  for (;;) {
    const r = await sync(key);
    if (r.raw.length === 0) break;
    const s = scanSync(r.raw);
    key = s.key!;
    count += kind === 'Add' ? s.adds : s.changes;
    peakRss = Math.max(peakRss, rss());
    if (!s.more) break;
  }
  return { key, count, seconds: (performance.now() - t0) / 1000, peakRss };
}
