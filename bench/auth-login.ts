// Cost per login with the database-backed brute-force counters (src/auth/login-guard.ts), on SQLite and,
// when CARBONIO_TEST_PG_URL is set, on PostgreSQL:
//   cached success    the EAS steady state (Basic auth on every request): no KDF, lock state from memory;
//   uncached success  one scrypt at the production default cost (N=2^15, r=8, p=3) plus a fresh lock-state read;
//   failure           one scrypt plus the fresh read and three counter upserts (per address, pair, account),
//                     with the deliberate failure delay off (CARBONIO_AUTH_FAILURE_DELAY_MS=0), so only work is timed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreAuthenticator } from '../src/auth/authenticator.js';
import { DirectoryService } from '../src/auth/directory-service.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import { createTempPgDatabase } from '../test/helpers/pg.js';
import { printMeasured, report } from './lib.js';

async function perCall(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
  return ((performance.now() - t0) * 1000) / n;
}

async function run(kind: 'sqlite' | 'postgres'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-'));
  const pgDb = kind === 'postgres' ? await createTempPgDatabase() : null;
  const config = loadConfig({
    CARBONIO_DATA_DIR: dir, CARBONIO_AUTH_CACHE_SECONDS: '3600', CARBONIO_AUTH_FAILURE_DELAY_MS: '0',
    CARBONIO_AUTH_MAX_FAILURES: '1000', CARBONIO_AUTH_MAX_FAILURES_PER_ADDRESS: '100000',
  });
  const store = await SqlStore.open(pgDb ? { kind: 'postgres', url: pgDb.url } : { kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
  try {
    await store.domains.create('bench.test');
    const directory = new DirectoryService(store, { kdf: config.kdf, publicUrl: () => config.publicUrl });
    const account = await directory.createAccount({ email: 'u@bench.test', password: 'bench-password-1' });
    const { secret } = await directory.addCredential(account, { services: ['EAS'] });
    const auth = new StoreAuthenticator({ store, config, log: silentLogger() });
    const ctx = { remoteAddress: '192.0.2.1', deviceId: 'BENCHDEVICE' };
    const expect = (ok: boolean, cached?: boolean) => (r: Awaited<ReturnType<typeof auth.verify>>): void => {
      if (r.ok !== ok || (cached !== undefined && r.ok && r.cached !== cached)) throw new Error(`unexpected verify result ${JSON.stringify(r)}`);
    };
    const uncached = await perCall(20, 2, async () => {
      auth.cache.delete(auth.cache.keyFor('eas', 'u@bench.test', secret));
      expect(true, false)(await auth.verify('u@bench.test', secret, 'eas', ctx));
    });
    const cached = await perCall(50_000, 8, async () => expect(true, true)(await auth.verify('u@bench.test', secret, 'eas', ctx)));
    // Failures from many addresses so none reaches a limit; each writes its counters.
    const failure = await perCall(20, 2, async (i) => expect(false)(await auth.verify('u@bench.test', `wrong-${i}`, 'eas', { remoteAddress: `198.51.100.${i % 250}` })));
    report(`auth-login ${kind} cached success`, cached, 'µs/login');
    report(`auth-login ${kind} uncached success`, uncached, 'µs/login');
    report(`auth-login ${kind} failure`, failure, 'µs/login');
    report(`auth-login ${kind} uncached/cached`, uncached / cached, 'x');
  } finally {
    await store.close();
    await pgDb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`scrypt N=2^15 r=8 p=3 (production default); ${os.cpus().length} cores`);
await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
else console.log('auth-login postgres: skipped (set CARBONIO_TEST_PG_URL)');
printMeasured();
