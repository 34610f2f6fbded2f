// What every repository shares: the connection (or open transaction), and the collector of change
// notices that are emitted only once the outermost transaction has committed.
import type { Kysely } from 'kysely';
import type { AccountId, FolderId } from '../../core/ids.js';
import { StoreError } from '../../core/errors.js';
import type { ChangeNotice } from '../types.js';
import type { Dialect } from '../migrations/index.js';
import type { DB } from './schema.js';

export class ChangeCollector {
  private readonly byAccount = new Map<AccountId, { folders: Set<FolderId>; hierarchy: boolean }>();

  touch(accountId: AccountId, folderId: FolderId, hierarchy = false): void {
    let e = this.byAccount.get(accountId);
    if (!e) this.byAccount.set(accountId, (e = { folders: new Set(), hierarchy: false }));
    e.folders.add(folderId);
    if (hierarchy) e.hierarchy = true;
  }

  notices(): ChangeNotice[] {
    return [...this.byAccount].map(([accountId, e]) => ({ accountId, folderIds: [...e.folders], hierarchy: e.hierarchy }));
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

/** Turns driver errors into StoreError kinds the front ends know how to map. */
export function translate(err: unknown, what: string): never {
  if (err instanceof StoreError) throw err;
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    throw new StoreError('exists', `${what} already exists`, { cause: err });
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    throw new StoreError('conflict', `${what}: still referenced or missing reference`, { cause: err });
  }
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === 'SQLITE_BUSY' || code === 'ECONNREFUSED')) {
    throw new StoreError('temporary', `${what}: database unavailable (${msg})`, { cause: err });
  }
  throw err;
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
