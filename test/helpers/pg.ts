// A throwaway PostgreSQL database per test file, when CARBONIO_TEST_PG_URL is set (CI sets it).
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { SqlStore } from '../../src/store/sql/sql-store.js';

export const pgUrl = process.env.CARBONIO_TEST_PG_URL || undefined;

// In CI the PostgreSQL halves must run: a missing URL is a failure there, not a quiet skip (an unreachable
// database already fails, in createTempPgDatabase).
if (process.env.CI === 'true' && !pgUrl) throw new Error('CI=true but CARBONIO_TEST_PG_URL is not set: the PostgreSQL suites would be skipped');

/**
 * A migrated, empty database to copy (CREATE DATABASE ... TEMPLATE): copying it takes a fraction of
 * running the migrations in every new database (about 0.3 s each, some forty times a run). Named by
 * the migrations it holds, so a new migration makes a new template; made once per machine, under an
 * advisory lock so that the shards of a run (or two checkouts) do not race to build it.
 */
async function migratedTemplate(admin: pg.Client): Promise<string> {
  const names = Object.keys(await migrationProvider('postgres').getMigrations()).sort();
  const name = `carbonio_template_${createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 12)}`;
  const exists = async () => (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (await exists()) return name;
  await admin.query('select pg_advisory_lock(7406140)');
  try {
    if (await exists()) return name;
    // Another checkout on this machine may be at other migrations and using its own template right now:
    // only templates made more than a week ago go (each records when it was made as its comment).
    const old = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'carbonio\\_template\\_%' and coalesce(shobj_description(oid, 'pg_database'), '') < $1",
      [new Date(Date.now() - 7 * 86_400_000).toISOString()]);
    for (const r of old.rows) await admin.query(`drop database if exists ${r.datname} with (force)`);
    // Built under another name and renamed when complete: a half-built template is never copied.
    const building = `${name}_build`;
    await admin.query(`drop database if exists ${building} with (force)`);
    await admin.query(`create database ${building}`);
    const store = await SqlStore.open({ kind: 'postgres', url: urlOf(building) });
    await store.close();
    await admin.query(`comment on database ${building} is '${new Date().toISOString()}'`);
    await admin.query(`alter database ${building} rename to ${name}`);
    return name;
  } finally {
    await admin.query('select pg_advisory_unlock(7406140)');
  }
}

function urlOf(database: string): string {
  const u = new URL(pgUrl!);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new database: migrated (a copy of the template) unless `empty` (the migration tests run them themselves). */
export async function createTempPgDatabase(opts: { empty?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  if (!pgUrl) throw new Error('CARBONIO_TEST_PG_URL is not set');
  const name = `carbonio_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(opts.empty ? `create database ${name}` : `create database ${name} template ${await migratedTemplate(admin)}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlOf(name),
    async drop() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
