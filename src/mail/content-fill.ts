// The background fill of migration 016: mail stored before it (or added without its MessageContent)
// gets its content parsed in small batches while the server runs, with progress in the log. Rendering
// never waits for it: a blob without content is parsed when rendered (and kept then). Several server
// processes may fill at once; they may parse a blob twice, and write the same record: harmless.
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/types.js';
import { readContent } from './content.js';

export interface ContentFillOptions {
  /** Blobs parsed per batch: small, so one batch never holds the event loop for long. */
  batch?: number;
  /** Pause between batches (ms), so live requests go first. */
  pauseMs?: number;
  /** Delay before the first batch (ms): phones reconnecting after a restart go first. */
  startMs?: number;
}

export interface ContentFill {
  /** Stops after the batch in hand (awaited, so the store can be closed behind it). */
  stop(): Promise<void>;
  /** Settles when the fill has nothing left (or stopped, or failed). */
  readonly done: Promise<void>;
}

/** Progress is logged about this often, and at the end. */
const LOG_EVERY_MS = 10_000;

export function startContentFill(store: Store, log: Logger, o: ContentFillOptions = {}): ContentFill {
  const batch = o.batch ?? 50;
  const pauseMs = o.pauseMs ?? 100;
  let stopped = false;
  // Cuts the current pause short when stopping.
  let wake = (): void => undefined;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    wake = () => { clearTimeout(t); resolve(); };
  });

  const run = async (): Promise<void> => {
    await sleep(o.startMs ?? 30_000);
    if (stopped) return;
    const total = await store.blobs.countWithoutContent();
    if (total === 0) return;
    log.info({ event: 'content-fill', remaining: total }, 'parsing stored mail once for rendering (migration 016)');
    let filled = 0;
    let lastLog = Date.now();
    while (!stopped) {
      const rows = await store.blobs.listWithoutContent(batch);
      if (rows.length === 0) break;
      for (const id of rows) {
        // One message at a time, each read alone: a few parses in a row, then the event loop serves requests again.
        const data = await store.blobs.get(id);
        // A blob deleted meanwhile has nothing to fill; the next list no longer names it.
        if (data) await store.blobs.setContents(new Map([[id, await readContent(data)]]));
        filled++;
        if (stopped) break;
      }
      if (Date.now() - lastLog >= LOG_EVERY_MS) {
        lastLog = Date.now();
        log.info({ event: 'content-fill', filled, remaining: await store.blobs.countWithoutContent() }, 'parsing stored mail: progress');
      }
      await sleep(pauseMs);
    }
    if (!stopped) log.info({ event: 'content-fill', filled, remaining: 0 }, 'stored mail parsed: every message renders from its kept content');
  };

  const done = run().catch((err: unknown) => {
    // Rendering parses what is left, so a failed fill costs speed, never correctness; the next start resumes.
    if (!stopped) log.warn({ err }, 'the background parse of stored mail stopped');
  });
  return {
    done,
    async stop() {
      stopped = true;
      wake();
      await done;
    },
  };
}
