// What every repository shares: the connection (or open transaction), and the collector of change
// notices that are emitted only once the outermost transaction has committed.
import type { Kysely } from 'kysely';
import type { AccountId, DeviceId, FolderId } from '../../core/ids.js';
import { StoreError } from '../../core/errors.js';
import type { ChangeNotice } from '../types.js';
import type { Dialect } from '../migrations/index.js';
import type { DB } from './schema.js';

export class ChangeCollector {
  private readonly byAccount = new Map<AccountId, { folders: Set<FolderId>; hierarchy: boolean; ended: Set<DeviceId>; imap: Set<FolderId> }>();

  private entry(accountId: AccountId) {
    let e = this.byAccount.get(accountId);
    if (!e) this.byAccount.set(accountId, (e = { folders: new Set(), hierarchy: false, ended: new Set(), imap: new Set() }));
    return e;
  }

  touch(accountId: AccountId, folderId: FolderId, hierarchy = false): void {
    const e = this.entry(accountId);
    e.folders.add(folderId);
    if (hierarchy) e.hierarchy = true;
  }

  /** A change only IMAP sees (\Deleted): ChangeNotice.imapFolderIds. */
  touchImap(accountId: AccountId, folderId: FolderId): void {
    this.entry(accountId).imap.add(folderId);
  }

  /** The device's held requests end once the transaction commits (ChangeNotice.endDevices). */
  endDevice(accountId: AccountId, deviceId: DeviceId): void {
    this.entry(accountId).ended.add(deviceId);
  }

  notices(): ChangeNotice[] {
    return [...this.byAccount].map(([accountId, e]) => ({
      accountId, folderIds: [...e.folders], hierarchy: e.hierarchy, ...(e.ended.size > 0 ? { endDevices: [...e.ended] } : {}),
      ...(e.imap.size > 0 ? { imapFolderIds: [...e.imap] } : {}),
    }));
  }
}

export interface SqlContext {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Set when the repositories are bound to an open transaction. */
  collector: ChangeCollector | null;
  emit(notices: ChangeNotice[]): void;
}

/** Runs a write atomically: inside the caller's transaction if there is one, else in its own. */
export async function write<T>(ctx: SqlContext, fn: (db: Kysely<DB>, changes: ChangeCollector) => Promise<T>): Promise<T> {
  if (ctx.collector) return fn(ctx.db, ctx.collector);
  const changes = new ChangeCollector();
  const result = await ctx.db.transaction().execute((trx) => fn(trx, changes));
  ctx.emit(changes.notices());
  return result;
}

/**
 * PostgreSQL SQLSTATEs and socket errors after which the same request may succeed: class 08 (connection
 * exception), 57P01-57P03 (server shut down or starting), 53300 (too many connections), 40001 / 40P01
 * (serialization failure, deadlock: the transaction was rolled back); ECONNREFUSED and the like when the
 * server is not reachable.
 */
const RETRYABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** True for a driver error that says the database is briefly unavailable rather than that the request is wrong. */
function isTemporary(code: unknown, message: string): boolean {
  if (typeof code === 'string') {
    // better-sqlite3: SQLITE_BUSY (and its extended codes) and SQLITE_LOCKED when another writer holds the file.
    return code.startsWith('08') || RETRYABLE_CODES.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
  }
  // node-postgres gives no code when the server closes the socket under a query.
  return /^Connection terminated/.test(message);
}

/**
 * Turns driver errors into StoreError kinds the front ends know how to map. Every repository method and
 * every transaction passes its failures through here (sql-store.ts), so no caller sees a driver error;
 * StoreErrors and anything else the driver did not raise pass through unchanged.
 */
export function translate(err: unknown, what: string): never {
  if (err instanceof StoreError) throw err;
  const code = (err as { code?: unknown } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    throw new StoreError('exists', `${what} already exists`, { cause: err });
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    throw new StoreError('conflict', `${what}: still referenced or missing reference`, { cause: err });
  }
  if (isTemporary(code, msg)) throw new StoreError('temporary', `${what}: database unavailable (${msg})`, { cause: err });
  throw err;
}

/**
 * The repository with every method's failure passed through `translate`. A Proxy rather than a copy, so a
 * method replaced on the repository (tests inject failures that way) is translated as well.
 */
export function translated<T extends object>(repo: T, name: string): T {
  const wrappers = new WeakMap<(...args: unknown[]) => unknown, (...args: unknown[]) => unknown>();
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const fn = value as (...args: unknown[]) => unknown;
      let w = wrappers.get(fn);
      if (!w) {
        const what = `${name}.${prop}`;
        w = (...args: unknown[]): unknown => {
          let r: unknown;
          try {
            r = fn.apply(target, args);
          } catch (err) {
            translate(err, what);
          }
          return r instanceof Promise ? r.catch((err: unknown) => translate(err, what)) : r;
        };
        wrappers.set(fn, w);
      }
      return w;
    },
  });
}

/** Hands out the next `count` modseqs of an account; returns the first. Locks the account row until commit. */
export async function nextModseq(db: Kysely<DB>, accountId: AccountId, count = 1): Promise<number> {
  const row = await db
    .updateTable('accounts')
    .set((eb) => ({ modseq: eb('modseq', '+', count) }))
    .where('id', '=', accountId)
    .returning('modseq')
    .executeTakeFirst();
  if (!row) throw new StoreError('not-found', 'account not found');
  return Number(row.modseq) - count + 1;
}

export const bool = (v: number | boolean | null | undefined): boolean => v === 1 || v === true;
export const bit = (v: boolean): number => (v ? 1 : 0);
