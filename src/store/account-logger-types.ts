// The stored form of per-account EAS loggers (issue 15 part 3; carbonio-features.md 3.4). Only data
// here: the levels' meaning, the path rules and the file writing live in src/devices/account-loggers.ts.
import type { AccountId, DomainId } from '../core/ids.js';

/** Carbonio's logger levels, most verbose first. */
export const ACCOUNT_LOGGER_LEVELS = ['trace', 'debug', 'info', 'warn', 'err', 'crit'] as const;
export type AccountLoggerLevel = (typeof ACCOUNT_LOGGER_LEVELS)[number];

export interface AccountLogger {
  id: number;
  accountId: AccountId;
  /** The account's address and domain, joined in for lists and the delegated-admin check. */
  accountEmail: string;
  domainId: DomainId;
  level: AccountLoggerLevel;
  /** Absolute, normalized path inside CARBONIO_LOG_DIR. */
  file: string;
  /** Forces Sync's WindowSize for every device of the account while the logger is active; null: the device's own. */
  windowSize: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface AccountLoggerInput {
  accountId: AccountId;
  level: AccountLoggerLevel;
  file: string;
  windowSize: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface AccountLoggerRepo {
  /**
   * Adds a logger, or renews the account's logger on the same file in place (same id; new level, window,
   * created and expiry), in one statement. StoreError 'exists' when the file is another account's logger.
   */
  upsert(input: AccountLoggerInput): Promise<{ logger: AccountLogger; renewed: boolean }>;
  /** The loggers not expired at `now`, by id (a read only: the request path uses it). */
  listActive(now: number): Promise<AccountLogger[]>;
  /** Deletes the loggers expired at `now`; the number deleted. */
  purgeExpired(now: number): Promise<number>;
  /** Deletes these loggers; the number deleted. */
  delete(ids: readonly number[]): Promise<number>;
}
