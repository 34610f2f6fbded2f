// Whether the client of an EAS request went away (MS-ASHTTP 2.2: a held Ping or Sync ends when its
// connection closes). AbortSignal's shape, one listener slot and nothing else: an AbortController plus its
// listener cost about 800 bytes per request on the heap, and a server holds one request per phone for up
// to an hour (issue 16 part 2). A real AbortSignal fits the same type (simulations, tests).
import type { ServerResponse } from 'node:http';

export interface ClientSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Aborted when the response's connection closes before the response was written in full. */
export class ClientGone implements ClientSignal {
  aborted = false;
  private listeners: (() => void) | Array<() => void> | null = null;

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (!res.writableEnded) this.abort();
    });
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.listeners === null) this.listeners = listener;
    else if (typeof this.listeners === 'function') this.listeners = [this.listeners, listener];
    else this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.listeners === listener) this.listeners = null;
    else if (Array.isArray(this.listeners)) this.listeners = this.listeners.filter((l) => l !== listener);
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const ls = this.listeners;
    this.listeners = null;
    if (typeof ls === 'function') ls();
    else if (ls) for (const l of ls) l();
  }
}
