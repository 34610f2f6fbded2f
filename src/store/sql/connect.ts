// Opens the database for either dialect and applies pending migrations.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { errorMessage, StoreError } from '../../core/errors.js';
import { migrationProvider, type Dialect } from '../migrations/index.js';
import type { DB } from './schema.js';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

// int8 (bigint) columns hold epoch milliseconds and counters: return them as numbers, not strings.
const parseInt8 = (v: string): number => Number(v);
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === 20 ? parseInt8 : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

export async function connect(location: StoreLocation): Promise<{ db: Kysely<DB>; dialect: Dialect; sqlite: Database.Database | null }> {
  let db: Kysely<DB>;
  let dialect: Dialect;
  // The SQLite handle itself, for the online backup API (src/store/sql/online-backup.ts).
  let handle: Database.Database | null = null;
  if (location.kind === 'sqlite') {
    if (location.file !== ':memory:') {
      // Mail and password hashes: only the server's user may read them. SQLite gives the -wal and -shm
      // files the mode of the database file, so creating that one 0600 covers all three.
      fs.mkdirSync(path.dirname(location.file), { recursive: true, mode: 0o700 });
      fs.closeSync(fs.openSync(location.file, 'a', 0o600));
    }
    const sqlite = new Database(location.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = 'sqlite';
    handle = sqlite;
  } else {
    const pool = new pg.Pool({ connectionString: location.url, max: location.poolSize ?? 10, types: pgTypes });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    // Nor one that is checked out: node-postgres emits 'error' on a client whose socket closes (the server
    // restarted, or ended the session: 57P01) even while a query is running, and the pool listens only on
    // idle clients. The query itself fails (a `temporary` StoreError, context.ts translate), and the pool
    // drops the client when it comes back, since it is no longer queryable.
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  }
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError('temporary', `database migration ${failed} failed: ${errorMessage(error)}`, { cause: error });
  }
  return { db, dialect, sqlite: handle };
}
