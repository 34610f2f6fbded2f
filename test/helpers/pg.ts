// A throwaway PostgreSQL database per test file, when CARBONIO_TEST_PG_URL is set (CI sets it).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const pgUrl = process.env.CARBONIO_TEST_PG_URL || undefined;

// In CI the PostgreSQL halves must run: a missing URL is a failure there, not a quiet skip (an unreachable
// database already fails, in createTempPgDatabase).
if (process.env.CI === 'true' && !pgUrl) throw new Error('CI=true but CARBONIO_TEST_PG_URL is not set: the PostgreSQL suites would be skipped');

export async function createTempPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!pgUrl) throw new Error('CARBONIO_TEST_PG_URL is not set');
  const name = `carbonio_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
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
