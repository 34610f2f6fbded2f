// verify() throughput, uncached (one scrypt per call, the production parameters) and cached
// (the EAS steady state: every request carries Basic auth).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreAuthenticator } from '../src/auth/authenticator.js';
import { DirectoryService } from '../src/auth/directory-service.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import { printMeasured, report } from './lib.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-'));
const config = loadConfig({ CARBONIO_DATA_DIR: dir, CARBONIO_AUTH_CACHE_SECONDS: '3600', CARBONIO_AUTH_MAX_FAILURES: '1000' });
const store = await SqlStore.open({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
await store.domains.create('bench.test');
const directory = new DirectoryService(store, { kdf: config.kdf, publicUrl: () => config.publicUrl });
const account = await directory.createAccount({ email: 'u@bench.test', password: 'bench-password-1' });
const { secret } = await directory.addCredential(account, { services: ['EAS'] });
const auth = new StoreAuthenticator({ store, config, log: silentLogger() });

async function rate(n: number, concurrency: number, fn: () => Promise<unknown>): Promise<number> {
  let left = n;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await fn();
  }));
  return n / ((performance.now() - t0) / 1000);
}

console.log(`scrypt N=2^${config.kdf.log2N} r=${config.kdf.r} p=${config.kdf.p}; ${os.cpus().length} cores`);
// Uncached: drop the cache entry before each call so every call pays the KDF.
const uncached = await rate(40, 4, async () => {
  auth.cache.delete(auth.cache.keyFor('eas', 'u@bench.test', secret));
  const r = await auth.verify('u@bench.test', secret, 'eas');
  if (!r.ok) throw new Error('verify failed');
});
report('verify uncached', uncached, 'calls/s');
const cached = await rate(50_000, 8, async () => {
  const r = await auth.verify('u@bench.test', secret, 'eas');
  if (!r.ok || !r.cached) throw new Error('expected a cached success');
});
report('verify cached', cached, 'calls/s');
report('verify cached/uncached', cached / uncached, 'x');
printMeasured();
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
