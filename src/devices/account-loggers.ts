// Per-account EAS loggers (issue 15 part 3; Carbonio's doAddAccountLogger / getAccountLoggers /
// doRemoveLogger, carbonio-features.md 3.4). The loggers are rows in the database (store.accountLoggers),
// so every server process writes the traffic of the same accounts, each appending to the file itself
// (logger-files.ts). A logger lasts LOGGER_LIFETIME_MS from its last add; adding the same account and
// file again renews it (and may change its level and window). Expired loggers stop at once (checked per
// request).
//
// Expired rows are deleted by the admin calls (list, add, remove); requests only read.
//
// Levels, as Carbonio names them: trace and debug write every request and response of the account with
// the decoded WBXML as XML (debug hides message bodies and attachment data; both always hide passwords);
// info writes one line per request; warn and err one line per failed request (HTTP >= 400 or an EAS
// Status other than 1); crit only server errors (HTTP >= 500).
//
// Per process, the active loggers are cached by account for CACHE_TTL_MS (this process's own changes
// apply at once): an account without a logger costs one Map lookup per request.
import { StoreError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AccountId } from '../core/ids.js';
import { ACCOUNT_LOGGER_LEVELS, type Account, type AccountLogger, type AccountLoggerLevel, type AccountLoggerRepo } from '../store/types.js';
import { checkLogPath, LogFileWriter, openLogFile } from './logger-files.js';

export const LOGGER_LIFETIME_MS = 24 * 3_600_000;
export const CACHE_TTL_MS = 5_000;
/** The largest forced window; Sync's own limit (MS-ASCMD 2.2.3.199: WindowSize 1-512). */
export const MAX_WINDOW_SIZE = 512;

type Holder = { readonly accountLoggers: AccountLoggerRepo };

/** A level as typed (any case); StoreError 'invalid' naming the levels otherwise. */
export function parseLoggerLevel(raw: unknown): AccountLoggerLevel {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const level = ACCOUNT_LOGGER_LEVELS.find((l) => l === v);
  if (!level) throw new StoreError('invalid', `invalid log level${typeof raw === 'string' ? ` "${raw}"` : ''}: expected one of ${ACCOUNT_LOGGER_LEVELS.join(', ')}`);
  return level;
}

/** A window size as typed: a whole number from 1 to 512; null when absent. */
export function parseWindowSize(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null;
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const n = /^\d{1,4}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= MAX_WINDOW_SIZE)) throw new StoreError('invalid', `invalid window_size${s ? ` "${s}"` : ''}: expected a whole number from 1 to ${MAX_WINDOW_SIZE}`);
  return n;
}

/** Carbonio's description line: "Logging account user@example.com using level debug, log file /tmp/user.log". */
export const loggerDescription = (l: AccountLogger): string =>
  `Logging account ${l.accountEmail} using level ${l.level}, log file ${l.file}${l.windowSize !== null ? `, window_size ${l.windowSize}` : ''}`;

/** Whether a logger at `level` writes a request; `failed`: HTTP >= 400 or an EAS Status other than success. */
export function loggerWants(level: AccountLoggerLevel, http: number, failed: boolean): boolean {
  switch (level) {
    case 'trace': case 'debug': case 'info': return true;
    case 'warn': case 'err': return failed;
    case 'crit': return http >= 500;
  }
}

/** The per-process view of one store's loggers: the cache by account and the open files. */
class Registry {
  at = -Infinity;
  byAccount = new Map<string, AccountLogger[]>();
  pending: Promise<void> | null = null;
  readonly writers = new Map<string, LogFileWriter>();
  /** Records scheduled (deferRecord) but not yet queued to their file. */
  deferred = 0;

  constructor(private readonly repo: AccountLoggerRepo) {}

  refresh(now: number): Promise<void> {
    this.pending ??= (async () => {
      try {
        const all = await this.repo.listActive(now);
        this.replace(all, now);
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }

  replace(all: readonly AccountLogger[], now: number): void {
    const m = new Map<string, AccountLogger[]>();
    for (const l of all) m.set(l.accountId, [...(m.get(l.accountId) ?? []), l]);
    this.byAccount = m;
    this.at = now;
    // A file no logger names any more is closed (its queued records are written first).
    const files = new Set(all.map((l) => l.file));
    for (const [file, w] of this.writers) {
      if (!files.has(file)) {
        this.writers.delete(file);
        void w.close();
      }
    }
  }
}

const registries = new WeakMap<AccountLoggerRepo, Registry>();

function registry(store: Holder): Registry {
  let r = registries.get(store.accountLoggers);
  if (!r) {
    r = new Registry(store.accountLoggers);
    registries.set(store.accountLoggers, r);
  }
  return r;
}

const NONE: readonly AccountLogger[] = Object.freeze([]);

/**
 * The account's active loggers. Synchronous (one Map lookup) while the cache is fresh; a stale cache is
 * read again first, once per TTL per process, concurrent requests sharing the read.
 */
export function loggersFor(store: Holder, accountId: AccountId, now = Date.now()): readonly AccountLogger[] | Promise<readonly AccountLogger[]> {
  const r = registry(store);
  const pick = (): readonly AccountLogger[] => {
    const list = r.byAccount.get(accountId);
    return list ? list.filter((l) => l.expiresAt > now) : NONE;
  };
  if (now - r.at < CACHE_TTL_MS) return pick();
  return r.refresh(now).then(pick);
}

/** The Sync window forced on the account's devices: the smallest of its active loggers', or null. */
export async function forcedWindowSize(store: Holder, accountId: AccountId, now = Date.now()): Promise<number | null> {
  const list = await loggersFor(store, accountId, now);
  let w: number | null = null;
  for (const l of list) if (l.windowSize !== null && (w === null || l.windowSize < w)) w = l.windowSize;
  return w;
}

/** This process's append queue for a logger's file. */
export function writerFor(store: Holder, logDir: string, file: string, log: Logger): LogFileWriter {
  const r = registry(store);
  let w = r.writers.get(file);
  if (!w) {
    w = new LogFileWriter(file, logDir, log);
    r.writers.set(file, w);
  }
  return w;
}

/** Runs `fn` (which formats and queues records) on a later turn of the event loop, counted for flushAccountLogs. */
export function deferRecord(store: Holder, fn: () => void): void {
  const r = registry(store);
  r.deferred++;
  setImmediate(() => {
    r.deferred--;
    fn();
  });
}

/** Writes out every record of this process's logger files scheduled so far (tests, orderly stop). */
export async function flushAccountLogs(store: Holder): Promise<void> {
  const r = registry(store);
  while (r.deferred > 0) await new Promise((resolve) => setImmediate(resolve));
  await Promise.all([...r.writers.values()].map((w) => w.flush()));
}

/** At shutdown: writes out every scheduled record and closes this process's logger files. */
export async function closeAccountLogs(store: Holder): Promise<void> {
  await flushAccountLogs(store);
  const r = registry(store);
  const all = [...r.writers.values()];
  r.writers.clear();
  await Promise.all(all.map((w) => w.close()));
}

/** The active loggers, fresh from the store, expired ones deleted (admin calls only); the cache takes them too. */
export async function listAccountLoggers(store: Holder, now = Date.now()): Promise<AccountLogger[]> {
  await store.accountLoggers.purgeExpired(now);
  const all = await store.accountLoggers.listActive(now);
  registry(store).replace(all, now);
  return all;
}

export interface AddLoggerInput {
  level: unknown;
  file: unknown;
  windowSize?: unknown;
}

/**
 * Adds a logger for the account, or renews its logger on the same file. The path is checked and the file
 * created (with the logger header) or found to be a logger's before the row is written, so a refused
 * path leaves nothing behind.
 */
export async function addAccountLogger(store: Holder, logDir: string, account: Account, input: AddLoggerInput, now = Date.now()): Promise<{ logger: AccountLogger; renewed: boolean }> {
  const level = parseLoggerLevel(input.level);
  const windowSize = parseWindowSize(input.windowSize);
  if (typeof input.file !== 'string') throw new StoreError('invalid', 'the log file (an absolute path) is required');
  const file = await checkLogPath(logDir, input.file);
  const fh = await openLogFile(logDir, file);
  await fh.close();
  const r = await store.accountLoggers.upsert({ accountId: account.id, level, file, windowSize, createdAt: now, expiresAt: now + LOGGER_LIFETIME_MS });
  await listAccountLoggers(store, now);
  return r;
}

/** Removes these loggers (already checked against the caller's rights); the number removed. */
export async function removeAccountLoggers(store: Holder, ids: readonly number[], now = Date.now()): Promise<number> {
  const n = await store.accountLoggers.delete(ids);
  await listAccountLoggers(store, now);
  return n;
}
