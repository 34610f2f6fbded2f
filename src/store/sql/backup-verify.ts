// `carbonio backup verify`: what a SQLite backup holds, read without changing it (read-only open):
// SQLite's own consistency check (PRAGMA integrity_check, https://sqlite.org/pragma.html#pragma_integrity_check),
// the schema version against this code's migrations, and the counts an admin recognizes.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { errorMessage, StoreError } from '../../core/errors.js';
import { migrationProvider } from '../migrations/index.js';

/**
 * current: the code's latest migration; older: restorable, the server migrates it at start; newer: made
 * by a newer version of carbonio-mobile (a migration this code does not know): not restorable here.
 */
export type SchemaStatus = 'current' | 'older' | 'newer';

export interface BackupReport {
  file: string;
  bytes: number;
  pages: number;
  /** 'ok', or SQLite's first problems. */
  integrity: string[];
  schema: { backup: string | null; code: string; status: SchemaStatus };
  counts: { domains: number; accounts: number; devices: number; syncStates: number; folders: number; messages: number; items: number; blobs: number };
}

const COUNTS = {
  domains: 'select count(*) as n from domains',
  accounts: 'select count(*) as n from accounts',
  devices: 'select count(*) as n from devices',
  syncStates: 'select count(*) as n from sync_states',
  folders: 'select count(*) as n from folders',
  messages: "select count(*) as n from items where kind = 'message'",
  items: 'select count(*) as n from items',
  blobs: 'select count(*) as n from blobs',
} as const;

export async function codeMigrations(): Promise<string[]> {
  return Object.keys(await migrationProvider('sqlite').getMigrations()).sort();
}

export const isHealthy = (r: BackupReport): boolean => r.integrity.length === 1 && r.integrity[0] === 'ok' && r.schema.status !== 'newer';

/** Reads the backup (StoreError 'not-found' or 'invalid' when it is no carbonio-mobile SQLite store). */
export async function verifyBackup(file: string): Promise<BackupReport> {
  let bytes: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new StoreError('invalid', `${file} is not a file`);
    bytes = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoreError('not-found', `no such file: ${file}`);
    throw err;
  }
  const code = await codeMigrations();
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreError('invalid', `cannot open ${file}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const tables = new Set(db.prepare<[], { name: string }>("select name from sqlite_master where type = 'table'").all().map((r) => r.name));
    if (!tables.has('kysely_migration') || !tables.has('accounts')) throw new StoreError('invalid', `${file} is not a carbonio-mobile store (no migration table)`);
    const applied = db.prepare<[], { name: string }>('select name from kysely_migration order by name').all().map((r) => r.name);
    const known = new Set(code);
    const last = applied[applied.length - 1] ?? null;
    const status: SchemaStatus = applied.some((n) => !known.has(n)) ? 'newer' : last === code[code.length - 1] ? 'current' : 'older';
    // At most 20 problems: enough to judge, short enough to print.
    const integrity = db.prepare<[], { integrity_check: string }>('pragma integrity_check(20)').all().map((r) => r.integrity_check);
    const pages = Number(db.pragma('page_count', { simple: true }));
    const count = (q: string): number => (db.prepare<[], { n: number }>(q).get()?.n ?? 0);
    const counts = Object.fromEntries(Object.entries(COUNTS).map(([k, q]) => [k, count(q)])) as BackupReport['counts'];
    return { file, bytes, pages, integrity, schema: { backup: last, code: code[code.length - 1] ?? '', status }, counts };
  } catch (err) {
    if (err instanceof StoreError) throw err;
    // SQLITE_NOTADB and the like: a file that is not a database, or a damaged header.
    throw new StoreError('invalid', `${file} is not a readable SQLite database: ${errorMessage(err)}`, { cause: err });
  } finally {
    db.close();
  }
}
