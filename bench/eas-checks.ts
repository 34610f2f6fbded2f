// The cost of the per-request admission checks of issue 15 (EAS version filters, ABQ, anti-DoS):
// requests per second of a cheap EAS command (Settings UserInformation Get) over keep-alive HTTP on
// loopback, the load client in its own process, each of its 32 connections a device of its own.
//   Block 1, ABQ never enabled: `none` (no filter, anti-DoS off), `filters` (20 filters, none matching, so
//   every one is tried), `anti-dos` (enabled, every request counted, none jailed); rounds alternate, the
//   order flipping each round, so a shared machine's noise hits all alike.
//   Block 2, ABQ Interactive with every device Allowed on the list (once ABQ was on, every request reads
//   the device's entries and view): `abq` (filters and anti-DoS off) and `all` (all three on); then
//   `stand-in` (every device Quarantined: the stand-in mailbox and its notice).
// Ratios are to `none`. Then the in-process parts alone: filter evaluation per request (µs) and the
// anti-DoS admission per call (ns). BENCH_CHECKS_PER_ROUND overrides the requests per round.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { el, encode } from '../src/eas/wbxml/index.js';
import { silentLogger } from '../src/core/logger.js';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { asDeviceId } from '../src/core/ids.js';
import { setEntry } from '../src/devices/abq-control.js';
import { setMode } from '../src/devices/abq-mode.js';
import { antiDosAdmit } from '../src/devices/anti-dos.js';
import { addEasFilter, deleteEasFilter, offeredVersions } from '../src/devices/eas-filters.js';
import { setSetting } from '../src/devices/settings-registry.js';
import { servicesSnapshot } from '../src/devices/services.js';
import { printMeasured, report } from './lib.js';

const PER_ROUND = Number(process.env.BENCH_CHECKS_PER_ROUND ?? 4_000);
const ROUNDS = 4;
const CONCURRENCY = 32;
const device = (i: number): string => `bench${String(i).padStart(4, '0')}`;

interface Job { url: string; auth: string; body: string; total: number }
interface Result { seconds: number; ok: number; statuses: Record<string, number> }

async function client(job: Job): Promise<Result> {
  const body = Buffer.from(job.body, 'base64');
  let left = job.total;
  let ok = 0;
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => {
    const url = job.url.replace('DEVICE', device(i));
    while (left-- > 0) {
      const res = await fetch(url, {
        method: 'POST', body,
        headers: { authorization: job.auth, 'MS-ASProtocolVersion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml', 'user-agent': 'Apple-iPhone15C2/2101.27' },
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 200) ok++;
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, ok, statuses };
}

/** 20 filters of every kind, none matching the bench's iPhone. */
const TWENTY = [
  ...Array.from({ length: 8 }, (_, i) => ({ type: 'contains', parameter: `nomatch-agent-${i}/` })),
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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-checks-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw',
  });
  const app = await startApp(config, silentLogger());
  const { store } = app;
  await store.domains.create('other.test');
  await app.directory.createAccount({ email: 'someone@example.com', password: 'bench-account-pw' });
  const account = await app.directory.createAccount({ email: 'phone@example.com', password: 'bench-account-pw' });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  const job: Job = {
    url: `http://127.0.0.1:${app.httpPort}/Microsoft-Server-ActiveSync?Cmd=Settings&User=phone&DeviceId=DEVICE&DeviceType=iPhone`,
    auth: `Basic ${Buffer.from(`phone@example.com:${secret}`).toString('base64')}`,
    body: encode(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))).toString('base64'),
    total: PER_ROUND,
  };
  const child = fork(fileURLToPath(import.meta.url), ['--client']);
  const load = async (total: number): Promise<Result> => {
    child.send({ ...job, total });
    return new Promise<Result>((resolve) => child.once('message', (m) => resolve(m as Result)));
  };

  // Anti-DoS, when on, counts every request against a limit no device reaches here: none is jailed.
  await setSetting(store, 'mobileAntiDosServiceMaxRequests', 10_000);
  await setSetting(store, 'mobileAntiDosServiceTimeWindow', 1_000);
  for (const f of await store.easFilters.list()) await deleteEasFilter(store, f.id);
  const added: number[] = [];
  const configure = async (c: { filters: boolean; antiDos: boolean }): Promise<void> => {
    if (!c.filters) for (const id of added.splice(0)) await deleteEasFilter(store, id);
    else if (added.length === 0) for (const f of TWENTY) added.push((await addEasFilter(store, { ...f, mode: 'limit', versions: '16.1', blocking: false })).id);
    await setSetting(store, 'mobileAntiDosServiceEnabled', c.antiDos);
  };
  type Phase = { name: string; filters: boolean; antiDos: boolean };
  const rates = new Map<string, number[]>();
  const block = async (phases: readonly Phase[]): Promise<void> => {
    await configure(phases[0]!);
    await load(1_000); // warm-up: JIT, caches, keep-alive sockets, the devices' records
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of round % 2 === 0 ? phases : [...phases].reverse()) {
        await configure(p);
        const r = await load(PER_ROUND);
        if (r.ok !== PER_ROUND) console.log(`warning (${p.name}): not every request succeeded: ${JSON.stringify(r.statuses)}`);
        rates.set(p.name, [...(rates.get(p.name) ?? []), r.ok / r.seconds]);
      }
    }
  };
  await block([
    { name: 'none', filters: false, antiDos: false },
    { name: 'filters', filters: true, antiDos: false },
    { name: 'anti-dos', filters: false, antiDos: true },
  ]);
  await setMode(store, { kind: 'global' }, 'Interactive', 'bench');
  for (let i = 0; i < CONCURRENCY; i++) await setEntry(store, asDeviceId(device(i)), account.id, 'Allowed', 'bench');
  await block([
    { name: 'abq', filters: false, antiDos: false },
    { name: 'all', filters: true, antiDos: true },
  ]);
  await configure({ filters: false, antiDos: false });
  for (let i = 0; i < CONCURRENCY; i++) await setEntry(store, asDeviceId(device(i)), account.id, 'Quarantined', 'bench');
  await block([{ name: 'stand-in', filters: false, antiDos: false }]);
  child.kill();

  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const none = median(rates.get('none')!);
  for (const [name, xs] of rates) {
    const m = median(xs);
    report(`eas checks ${name} requests`, m, 'req/s');
    console.log(`  ${name}: ratio to none ${(m / none).toFixed(3)} (rounds ${xs.map((x) => x.toFixed(0)).join(', ')})`);
  }

  // Filter evaluation alone, as http.ts calls it on every POST: warm cache, 20 filters tried.
  await configure({ filters: true, antiDos: false });
  const req = { userAgent: 'Apple-iPhone15C2/2101.27', email: account.email };
  await offeredVersions(store, config.easVersions, req);
  let n = 200_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await offeredVersions(store, config.easVersions, req);
  report('eas checks filters evaluation, 20 filters', ((performance.now() - t0) * 1000) / n, 'µs/request');

  // The anti-DoS admission alone: 2,000 devices, each well under its limit, with a fresh snapshot.
  const admit = async (): Promise<number> => {
    n = 1_000_000;
    await servicesSnapshot(store);
    let now = Date.now();
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      if ((i & 0xffff) === 0) {
        now = Date.now();
        await servicesSnapshot(store, now);
      }
      await antiDosAdmit(store, account.id, `dev${i % 2000}`, now);
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  await setSetting(store, 'mobileAntiDosServiceMaxRequests', 1_000);
  await setSetting(store, 'mobileAntiDosServiceEnabled', true);
  report('eas checks anti-dos admit', await admit(), 'ns/call');
  await setSetting(store, 'mobileAntiDosServiceEnabled', false);
  report('eas checks anti-dos admit disabled', await admit(), 'ns/call');
  printMeasured();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
