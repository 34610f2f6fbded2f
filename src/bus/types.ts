// Change notifications. Publishing happens after commit, never before (ARCHITECTURE.md section 2).
import type { AccountId } from '../core/ids.js';
import type { ChangeNotice } from '../store/types.js';

export interface Bus {
  publish(notice: ChangeNotice): void;
  /** Listen to one account's changes; returns the function that stops listening. */
  subscribe(accountId: AccountId, listener: (notice: ChangeNotice) => void): () => void;
  close(): Promise<void>;
}
