// The initial download every Sync benchmark measures: SyncKey 0, then Sync until nothing more is
// available, counting the Adds and sampling RSS. `sync` sends one Sync of the collection with the key.
import type { EasResponse } from '../test/helpers/eas-client.js';
import { child, children, textOf } from '../src/eas/wbxml/index.js';

export interface InitialSync {
  /** The key after the last window (for incremental Syncs after it). */
  key: string;
  items: number;
  seconds: number;
  peakRss: number;
}

export async function initialSync(sync: (key: string) => Promise<EasResponse>): Promise<InitialSync> {
  let key = textOf(child(child((await sync('0')).root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
  let peakRss = process.memoryUsage().rss;
  let items = 0;
  const t0 = performance.now();
  for (;;) {
    const r = await sync(key);
    if (r.raw.length === 0) break;
    const c = child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection');
    key = textOf(c, 'AirSync:SyncKey')!;
    items += children(child(c, 'AirSync:Commands'), 'AirSync:Add').length;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (!child(c, 'AirSync:MoreAvailable')) break;
  }
  return { key, items, seconds: (performance.now() - t0) / 1000, peakRss };
}
