// Room for a large request body (issue 16 part 5): before the server reads a body of several MiB (a
// SendMail with an attachment), a full garbage collection frees the buffers of the previous large
// requests. V8 frees a Buffer's memory only when a collection finds the Buffer unreachable, and it starts
// one for Buffer memory only after about 64 MiB more of it; between two SendMails of 13 MiB nothing else
// may start one, so each left its body and socket chunks (about 27 MiB) in the process and the next one
// came on top. Collecting here, when the earlier requests are over and this body is not read yet, keeps
// the peak near one request's worth. It costs a few to a few tens of milliseconds, once per large body.
//
// Still needed with the body kept in its socket chunks and never copied (request-body.ts, issue 16 part
// 5): the chunks live as long as the send (about a second), so V8 moves them to its old generation, which
// only a full collection sweeps. Measured on bench/sendmail.ts (three 13.7 MiB sends): without this,
// 57 MiB above idle (each send's chunks stay behind); with the chunks detached at the end of each request
// instead (structuredClone transfer, so that a minor collection could free them), 47 MiB, since no minor
// collection runs while the next body is read; with this, about one body's worth plus SQLite's page cache.
//
// A collection runs only when the large bodies read since the last one add up to LARGE_BODY_BYTES (there
// is garbage to free), and not more often than MIN_INTERVAL_MS: the bound on what bogus Content-Lengths
// can cost is the bytes a client must really send. It was once a second whatever was read; when sends
// got faster than that, every other SendMail of bench/sendmail.ts went without it (30 MiB peak, not 19).
import v8 from 'node:v8';
import vm from 'node:vm';

/** Bodies from this size on are preceded by a collection, once as many bytes of large bodies were read. */
export const LARGE_BODY_BYTES = 4 * 1024 * 1024;
/** Bodies from this size on leave garbage worth counting (request-body.ts keeps them as their chunks). */
const COUNTED_BODY_BYTES = 1024 * 1024;
/** At most one collection per this interval, however many large bodies arrive. */
const MIN_INTERVAL_MS = 200;

type Gc = () => void;

let shared: Gc | null | undefined;

/** V8's gc(): the global one when node runs with --expose-gc, else one exposed to a separate context only. */
function collector(): Gc | null {
  if (shared !== undefined) return shared;
  const global = (globalThis as { gc?: Gc }).gc;
  try {
    if (!global) v8.setFlagsFromString('--expose-gc'); // read when a context is created: the server's own global stays without gc
    shared = global ?? (vm.runInNewContext('gc') as Gc);
  } catch {
    shared = null; // a runtime without the flag: V8's own schedule
  }
  return shared;
}

/** One per server (http.ts): what its large bodies left, and when it last collected. */
export class LargeBodies {
  private last = -Infinity;
  private garbage = 0;

  constructor(private readonly gc: () => Gc | null = collector) {}

  /** A body was read, whole or abandoned (request-body.ts): its bytes are garbage once its request ends. */
  read(bytes: number): void {
    if (bytes >= COUNTED_BODY_BYTES) this.garbage += bytes;
  }

  /**
   * Called with a request's announced Content-Length (NaN when none) and the largest body accepted, before
   * the body is read; true when it collected. A body over the limit is refused unread: nothing to make
   * room for; nor is there anything when fewer than LARGE_BODY_BYTES of large bodies came since the last.
   */
  beforeBody(contentLength: number, limit: number, now = Date.now()): boolean {
    if (!(contentLength >= LARGE_BODY_BYTES && contentLength <= limit)) return false;
    if (this.garbage < LARGE_BODY_BYTES || now - this.last < MIN_INTERVAL_MS) return false;
    const run = this.gc();
    if (!run) return false;
    this.last = now;
    this.garbage = 0;
    run();
    return true;
  }
}
