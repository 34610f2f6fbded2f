// What EAS version filters cost per request (issue 15): the evaluation alone (offeredVersions with a warm
// cache, as src/eas/http.ts calls it on every OPTIONS and POST) with none, the seeded default and 20 filters
// (contains, regexes, and/or, account, domain; none matching, so every one is tried), and requests per
// second of a cheap EAS command (Settings UserInformation Get) over keep-alive HTTP with no filter and with
// those 20, the load client in its own process. Rounds alternate to spread the noise of a shared machine.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { addEasFilter, deleteEasFilter, offeredVersions } from '../src/devices/eas-filters.js';
import { el, encode } from '../src/eas/wbxml/index.js';
import { printMeasured, report } from './lib.js';

const PER_ROUND = 4_000;
const ROUNDS = 4;
const CONCURRENCY = 32;

interface Job { url: string; auth: string; body: string; total: number }

async function client(job: Job): Promise<{ seconds: number; ok: number }> {
  const body = Buffer.from(job.body, 'base64');
  let left = job.total;
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) {
      const res = await fetch(job.url, {
        method: 'POST', body,
        headers: { authorization: job.auth, 'MS-ASProtocolVersion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml', 'user-agent': 'Apple-iPhone15C2/2101.27' },
      });
      await res.arrayBuffer();
      if (res.status === 200) ok++;
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, ok };
}

const TWENTY = [
  ...Array.from({ length: 8 }, (_, i) => ({ type: 'contains', parameter: `vendor-${i}/` })),
  ...Array.from({ length: 6 }, (_, i) => ({ type: 'regex', parameter: `^(Android|SM-[A-Z]\\d{3})-${i}\\b.*EAS` })),
  ...Array.from({ length: 4 }, (_, i) => ({ type: i % 2 ? 'and' : 'or', parameter: `contains:x${i},regex:^y${i}\\d+,domain:other.test` })),
  { type: 'account', parameter: 'someone@example.com' },
  { type: 'domain', parameter: 'other.test' },
];

if (process.argv[2] === '--client') {
  process.on('message', (job: Job) => {
    client(job).then((r) => process.send?.(r), (err: unknown) => { console.error(err); process.exit(1); });
  });
} else {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-filters-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw',
  });
  const app = await startApp(config, silentLogger());
  const store = app.store;
  for (const d of ['other.test']) await store.domains.create(d);
  await app.directory.createAccount({ email: 'someone@example.com', password: 'bench-account-pw' });
  const account = await app.directory.createAccount({ email: 'phone@example.com', password: 'bench-account-pw' });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  const req = { userAgent: 'Apple-iPhone15C2/2101.27', email: account.email };

  const perCall = async (): Promise<number> => {
    await offeredVersions(store, config.easVersions, req);
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await offeredVersions(store, config.easVersions, req);
    return ((performance.now() - t0) * 1000) / n;
  };
  const seeded = (await store.easFilters.list()).map((f) => f.id);
  report('eas filters evaluation, default filter', await perCall(), 'µs/request');
  for (const id of seeded) await deleteEasFilter(store, id);
  report('eas filters evaluation, no filter', await perCall(), 'µs/request');
  const added: number[] = [];
  for (const f of TWENTY) added.push((await addEasFilter(store, { ...f, mode: 'limit', versions: '14.0', blocking: false })).id);
  report('eas filters evaluation, 20 filters', await perCall(), 'µs/request');

  const job: Job = {
    url: `http://127.0.0.1:${app.httpPort}/Microsoft-Server-ActiveSync?Cmd=Settings&User=phone&DeviceId=bench0001&DeviceType=iPhone`,
    auth: `Basic ${Buffer.from(`phone@example.com:${secret}`).toString('base64')}`,
    body: encode(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))).toString('base64'),
    total: PER_ROUND,
  };
  const child = fork(fileURLToPath(import.meta.url), ['--client']);
  const load = async (total: number): Promise<{ seconds: number; ok: number }> => {
    child.send({ ...job, total });
    return new Promise((resolve) => child.once('message', resolve));
  };
  await load(500); // warm-up: JIT, caches, keep-alive sockets
  const totals = { none: { s: 0, ok: 0 }, twenty: { s: 0, ok: 0 } };
  const withFilters = async (on: boolean): Promise<void> => {
    if (!on) for (const id of added.splice(0)) await deleteEasFilter(store, id);
    else if (added.length === 0) for (const f of TWENTY) added.push((await addEasFilter(store, { ...f, mode: 'limit', versions: '14.0', blocking: false })).id);
  };
  // The order flips every round: whichever load runs second in a pair would otherwise be favoured.
  for (let round = 0; round < ROUNDS; round++) {
    for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
      await withFilters(on);
      const r = await load(PER_ROUND);
      const t = on ? totals.twenty : totals.none;
      t.s += r.seconds; t.ok += r.ok;
    }
  }
  child.kill();
  if (totals.none.ok + totals.twenty.ok !== 2 * ROUNDS * PER_ROUND) console.log('warning: not every request succeeded');
  report('eas settings-get requests, no filter', totals.none.ok / totals.none.s, 'req/s');
  report('eas settings-get requests, 20 filters', totals.twenty.ok / totals.twenty.s, 'req/s');
  printMeasured();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
