// Change notifications. Publishing happens after commit, never before (ARCHITECTURE.md section 2).
import type { AccountId } from '../core/ids.js';
import type { ChangeNotice } from '../store/types.js';

export interface Bus {
  publish(notice: ChangeNotice): void;
  /** Listen to one account's changes; returns the function that stops listening. */
  subscribe(accountId: AccountId, listener: (notice: ChangeNotice) => void): () => void;
  /**
   * Called when notices may have been missed (a bus spanning processes lost its connection and is
   * listening again): whoever waits on the bus re-checks the store. Returns the function that stops
   * listening. A bus that cannot miss notices (in-process) may leave it out or never call it.
   */
  onResync?(listener: () => void): () => void;
  close(): Promise<void>;
}
