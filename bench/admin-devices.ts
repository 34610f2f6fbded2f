// The admin's device list (issue 14) with 10,000 devices of 2,000 accounts in 5 domains: ms for one page of
// 50 over HTTP (GET /api/admin/devices, median of 40), sorted by account (the default), with a search
// (part of a model: 572 hits), sorted by lastSeen descending, and as a delegated admin of one domain
// (lastSeen descending). The baseline is the path before paging, done in-process (no HTTP, so it is
// flattered): every device read, one account read per account, the views built and serialized, as
// the route did to answer the whole list a page would have been cut from. SQLite always; PostgreSQL
// too when CARBONIO_TEST_PG_URL is set. BENCH_DEVICES_COUNT overrides the number of devices (accounts
// are a fifth of it).
import { sql } from 'kysely';
import type { AccountId } from '../src/core/ids.js';
import { deviceView } from '../src/admin/routes-devices.js';
import type { Account, Device, Store } from '../src/store/types.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { adminCall, startTestApp, type TestApp } from '../test/helpers/app.js';
import { createDevices } from '../test/helpers/device-fixture.js';
import { percentile, printMeasured, report } from './lib.js';

const COUNT = Number(process.env.BENCH_DEVICES_COUNT ?? 10_000);
const RUNS = 40;
const ACCOUNTS = Math.max(1, Math.floor(COUNT / 5));
const label = `admin devices ${COUNT / 1000}k`;

/** GET /devices before paging (src/devices/management.ts listAll then, and the route's view): the whole list. */
async function oldWholeList(store: Store): Promise<string> {
  const devices = await store.devices.listAll();
  const accounts = new Map<AccountId, Account | null>();
  for (const id of new Set(devices.map((d) => d.accountId))) accounts.set(id, await store.accounts.getById(id));
  const all: Array<{ account: Account; device: Device }> = [];
  for (const device of devices) {
    const account = accounts.get(device.accountId);
    if (account) all.push({ account, device });
  }
  return JSON.stringify({ domains: null, devices: all.map((x) => ({ account: x.account.email, ...deviceView(x.device) })) });
}

async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app: TestApp = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const fx = await createDevices(app.store, { devices: COUNT, accounts: ACCOUNTS, domains: 5 });
    console.log(`${backend}: ${COUNT} devices, ${ACCOUNTS} accounts stored in ${(fx.ms / 1000).toFixed(2)} s (the fixture)`);
    const store = app.store as SqlStore;
    // A bulk load outruns autovacuum: measure with the statistics a live server has, as after ANALYZE.
    if (backend === 'postgres') await sql`analyze`.execute(store.db);
    const boss = { email: 'boss@dom0.test', password: 'boss-pass-12' };
    await adminCall(app, 'POST', '/accounts', boss);
    await adminCall(app, 'PUT', `/accounts/${boss.email}/delegated-domains/dom0.test`);

    const page = (query: string, as = app.admin) => async () => {
      const r = await adminCall(app, 'GET', `/devices?${query}`, undefined, as);
      if (r.status !== 200 || (r.json.devices as unknown[]).length !== 50) throw new Error(`${query}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
    };
    const hits = (await adminCall(app, 'GET', '/devices?q=pixel%207&limit=1')).json.total;
    console.log(`${backend}: "pixel 7" matches ${String(hits)} devices`);
    const old = await median(() => oldWholeList(app.store));
    // What any admin request costs here (authentication, the principal's grants, HTTP): the floor under the figures.
    const floor = await median(async () => {
      if ((await adminCall(app, 'GET', '/domains')).status !== 200) throw new Error('GET /domains failed');
    });
    console.log(`${backend}: GET /domains (the floor of an admin request) ${floor.toFixed(2)} ms`);
    const figures: Array<[string, number]> = [
      ['page', await median(page('limit=50'))],
      ['search', await median(page('q=pixel%207&limit=50'))],
      ['lastSeen desc', await median(page('sort=lastSeen&order=desc&limit=50'))],
      ['delegated lastSeen desc', await median(page('sort=lastSeen&order=desc&limit=50', boss))],
    ];
    report(`${label} ${backend} old whole list (baseline path)`, old, 'ms');
    for (const [name, ms] of figures) report(`${label} ${backend} ${name}`, ms, 'ms');
    console.log(`${backend}: one page / old whole list: ${figures.map(([n, ms]) => `${n} ${(ms / old).toFixed(3)}x`).join(', ')}`);
  } finally {
    await app.stop();
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
