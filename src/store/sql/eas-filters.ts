// EAS version filters (EasFilterRepo, issue 15) for both dialects. Positions are kept dense (0..n-1):
// every change that shifts them rewrites them in one transaction, so all server processes read one order.
import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../../core/errors.js';
import type { EasFilterRecord, EasFilterRepo, NewEasFilter } from '../types.js';
import type { SqlContext } from './context.js';
import type { DB, EasFiltersTable } from './schema.js';

const toRecord = (r: Selectable<EasFiltersTable>): EasFilterRecord => ({
  id: Number(r.id),
  position: Number(r.position),
  rule: r.rule,
  mode: r.mode,
  versions: r.versions === '' ? [] : r.versions.split(','),
  blocking: Number(r.blocking) === 1,
  createdAt: Number(r.created_at),
});

export class SqlEasFilterRepo implements EasFilterRepo {
  constructor(private readonly ctx: SqlContext) {}

  list(): Promise<EasFilterRecord[]> {
    return this.listIn(this.ctx.db);
  }

  add(f: NewEasFilter): Promise<EasFilterRecord> {
    return this.atomic(async (db) => {
      const rows = await this.listIn(db, true);
      const position = rows.length === 0 ? 0 : Math.max(...rows.map((r) => r.position)) + 1;
      const row = await db.insertInto('eas_filters').values({
        position, rule: f.rule, mode: f.mode, versions: f.versions.join(','), blocking: f.blocking ? 1 : 0, created_at: f.createdAt,
      }).returningAll().executeTakeFirstOrThrow();
      return toRecord(row);
    });
  }

  delete(id: number): Promise<EasFilterRecord | null> {
    return this.atomic(async (db) => {
      const rows = await this.listIn(db, true);
      const gone = rows.find((r) => r.id === id);
      if (!gone) return null;
      await db.deleteFrom('eas_filters').where('id', '=', id).execute();
      await renumber(db, rows.filter((r) => r.id !== id));
      return gone;
    });
  }

  move(from: number, to: number): Promise<EasFilterRecord[]> {
    return this.atomic(async (db) => {
      const rows = await this.listIn(db, true);
      for (const [name, p] of [['from', from], ['to', to]] as const) {
        if (!Number.isInteger(p) || p < 0 || p >= rows.length) {
          throw new StoreError('invalid', `position ${name} ${p} out of range: ${rows.length === 0 ? 'there are no filters' : `positions are 0 to ${rows.length - 1}`}`);
        }
      }
      const [moved] = rows.splice(from, 1);
      if (moved) rows.splice(to, 0, moved);
      await renumber(db, rows);
      return this.listIn(db);
    });
  }

  /** The rows in order; `lock` takes PostgreSQL row locks so two concurrent reorders serialize (SQLite has one writer anyway). */
  private async listIn(db: Kysely<DB>, lock = false): Promise<EasFilterRecord[]> {
    let q = db.selectFrom('eas_filters').selectAll().orderBy('position').orderBy('id');
    if (lock && this.ctx.dialect === 'postgres') q = q.forUpdate();
    return (await q.execute()).map(toRecord);
  }

  /** Inside the caller's transaction when there is one, else in a transaction of its own. */
  private atomic<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.ctx.collector ? fn(this.ctx.db) : this.ctx.db.transaction().execute(fn);
  }
}

/** Positions 0..n-1 in the given order; only rows whose position changes are written. */
async function renumber(db: Kysely<DB>, rows: readonly EasFilterRecord[]): Promise<void> {
  for (const [i, r] of rows.entries()) {
    if (r.position !== i) await db.updateTable('eas_filters').set({ position: i }).where('id', '=', r.id).execute();
  }
}
