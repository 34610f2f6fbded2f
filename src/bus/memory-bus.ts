// In-process bus: one process, listeners keyed by account so a publish touches only its subscribers.
import type { AccountId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ChangeNotice } from '../store/types.js';
import type { Bus } from './types.js';

export class MemoryBus implements Bus {
  private readonly listeners = new Map<AccountId, Set<(n: ChangeNotice) => void>>();

  constructor(private readonly log?: Logger) {}

  publish(notice: ChangeNotice): void {
    const set = this.listeners.get(notice.accountId);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(notice);
      } catch (err) {
        this.log?.error({ err }, 'bus listener failed');
      }
    }
  }

  subscribe(accountId: AccountId, listener: (n: ChangeNotice) => void): () => void {
    let set = this.listeners.get(accountId);
    if (!set) this.listeners.set(accountId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(accountId) === set) this.listeners.delete(accountId);
    };
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
