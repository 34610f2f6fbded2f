// Opens the database for either dialect and applies pending migrations.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE, Kysely, Migrator, PostgresDialect, sql, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../../config.js';
import { errorMessage, StoreError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { migrationProvider, type Dialect } from '../migrations/index.js';
import type { DB } from './schema.js';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

// int8 (bigint) columns hold epoch milliseconds and counters: return them as numbers, not strings.
const parseInt8 = (v: string): number => Number(v);
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === 20 ? parseInt8 : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

/**
 * The SQLite page cache per connection, in KiB: better-sqlite3's build default (SQLite's own is 2 MiB),
 * set here so that blob-store.ts withBulkCache knows what to give back after a large message. The initial
 * Sync is about a tenth faster with it than with 2 MiB (bench/sync.ts, issue 16).
 */
export const SQLITE_CACHE_KIB = 16_000;

/** Prepared statements kept per SQL text, the least recently used dropped beyond this many. */
const STATEMENT_CACHE = 256;

/**
 * The handle as Kysely sees it, preparing each distinct SQL text once: Kysely prepares every query
 * afresh, about a twentieth of a Sync window's CPU on SQLite (issue 16 part 3). A statement is never in
 * use twice at once: Kysely runs one query at a time on its single SQLite connection.
 */
function withStatementCache(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => { cache.clear(); db.close(); },
    prepare(text: string) {
      let stmt = cache.get(text);
      if (stmt) cache.delete(text);
      else {
        stmt = db.prepare(text);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

export async function connect(location: StoreLocation, log?: Logger): Promise<{ db: Kysely<DB>; dialect: Dialect; sqlite: Database.Database | null }> {
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
    sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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
  try {
    if (location.kind === 'postgres') await reachable(db, location.url);
    await migrate(db, dialect, log);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect, sqlite: handle };
}

/** A PostgreSQL server that cannot be reached is named (password hidden) before anything else is tried. */
async function reachable(db: Kysely<DB>, url: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    throw new StoreError('temporary', `cannot reach the database at ${redactUrl(url)}: ${errorMessage(err)}`, { cause: err });
  }
}

/** The migrations the database says it has run; none when it was never migrated (no table yet). */
async function appliedMigrations(db: Kysely<DB>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
  return rows.rows.map((r) => r.name);
}

// One migration at a time (migrateUp), so that each step is logged as it starts and with its duration:
// on a large store a migration can take minutes, and the operator must see which one is running.
async function migrate(db: Kysely<DB>, dialect: Dialect, log: Logger | undefined): Promise<void> {
  const provider = migrationProvider(dialect);
  const known = new Set(Object.keys(await provider.getMigrations()));
  // A name this code does not know means a newer release migrated the database; running older code
  // against that schema would corrupt data, so the start stops here (a downgrade needs a backup).
  const unknown = (await appliedMigrations(db)).filter((n) => !known.has(n)).sort();
  if (unknown.length > 0) {
    throw new StoreError('conflict', `the database was migrated by a newer carbonio-mobile (migration ${unknown[unknown.length - 1]}); upgrade the code or restore a backup`);
  }
  const migrator = new Migrator({ db, provider });
  const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
  if (pending.length > 0) log?.info({ pending: pending.length }, 'database migrations to apply');
  for (const name of pending) {
    log?.info({ migration: name }, `applying migration ${name} ...`);
    const t0 = Date.now();
    const { error, results } = await migrator.migrateUp();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? name;
      throw new StoreError('temporary', `database migration ${failed} failed: ${errorMessage(error)}`, { cause: error });
    }
    // Another server process starting at the same time (PostgreSQL) may have applied the rest while this
    // one waited for Kysely's migration lock: then there is nothing left to do here.
    const done = results?.find((r) => r.status === 'Success')?.migrationName;
    if (done === undefined) {
      log?.info({ migration: name }, 'remaining migrations were applied by another server process');
      break;
    }
    log?.info({ migration: done, ms: Date.now() - t0 }, `migration ${done} done`);
  }
}
