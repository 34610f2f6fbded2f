// The cost of the per-request mobile checks (issue 15): requests per second of a cheap EAS command
// (Settings UserInformation Get) over keep-alive HTTP on loopback with anti-DoS disabled, then enabled
// (counting every request, no device jailed), alternating rounds so machine noise hits both alike; and
// the anti-DoS admission alone, in process, in nanoseconds per call. The load client runs in its own
// process; each of its connections is a device of its own (32 devices of one account).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { el, encode } from '../src/eas/wbxml/index.js';
import { silentLogger } from '../src/core/logger.js';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { antiDosAdmit } from '../src/devices/anti-dos.js';
import { setSetting } from '../src/devices/settings-registry.js';
import { servicesSnapshot } from '../src/devices/services.js';
import { printMeasured, report } from './lib.js';

const PER_ROUND = 8_000;
const ROUNDS = 3;
const CONCURRENCY = 32;

interface Job { url: string; auth: string; body: string; total: number; concurrency: number }
interface Result { seconds: number; ok: number; statuses: Record<string, number> }

async function client(job: Job): Promise<Result> {
  const body = Buffer.from(job.body, 'base64');
  let left = job.total;
  let ok = 0;
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async (_, i) => {
    const url = job.url.replace('DEVICE', `bench${String(i).padStart(4, '0')}`);
    while (left-- > 0) {
      const res = await fetch(url, {
        method: 'POST', body,
        headers: { authorization: job.auth, 'MS-ASProtocolVersion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml', 'user-agent': 'bench/1' },
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 200) ok++;
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, ok, statuses };
}

if (process.argv[2] === '--client') {
  process.on('message', (job: Job) => {
    client(job).then((r) => process.send?.(r), (err: unknown) => { console.error(err); process.exit(1); });
  });
} else {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-checks-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw',
  });
  const app = await startApp(config, silentLogger());
  const account = await app.directory.createAccount({ email: 'phone@example.com', password: 'bench-account-pw' });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  const job: Job = {
    url: `http://127.0.0.1:${app.httpPort}/Microsoft-Server-ActiveSync?Cmd=Settings&User=phone&DeviceId=DEVICE&DeviceType=iPhone`,
    auth: `Basic ${Buffer.from(`phone@example.com:${secret}`).toString('base64')}`,
    body: encode(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))).toString('base64'),
    total: PER_ROUND,
    concurrency: CONCURRENCY,
  };
  // Counting on, but a limit no device reaches here: every request pays the full check, none is jailed.
  await setSetting(app.store, 'mobileAntiDosServiceMaxRequests', 10_000);
  await setSetting(app.store, 'mobileAntiDosServiceTimeWindow', 1_000);
  const child = fork(fileURLToPath(import.meta.url), ['--client']);
  const run = async (total: number): Promise<Result> => {
    child.send({ ...job, total });
    return new Promise<Result>((resolve) => child.once('message', (m) => resolve(m as Result)));
  };
  await run(1_000); // warm-up: JIT, caches, keep-alive sockets, the devices' records
  const rates = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of ['off', 'on'] as const) {
      await setSetting(app.store, 'mobileAntiDosServiceEnabled', mode === 'on');
      const r = await run(PER_ROUND);
      if (r.ok !== PER_ROUND) console.log(`warning (${mode}): not every request succeeded: ${JSON.stringify(r.statuses)}`);
      rates[mode].push(r.ok / r.seconds);
    }
  }
  child.kill();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const off = median(rates.off);
  const on = median(rates.on);
  report('eas checks anti-dos off requests', off, 'req/s');
  report('eas checks anti-dos on requests', on, 'req/s');
  console.log(`ratio on/off: ${(on / off).toFixed(3)} (rounds off ${rates.off.map((x) => x.toFixed(0)).join(', ')}; on ${rates.on.map((x) => x.toFixed(0)).join(', ')})`);

  // The admission alone: 2,000 devices, each well under its limit (500 calls within the window of 1 s
  // or more each), with a fresh snapshot.
  const N = 1_000_000;
  await setSetting(app.store, 'mobileAntiDosServiceMaxRequests', 1_000);
  await servicesSnapshot(app.store);
  let t0 = performance.now();
  let now = Date.now();
  for (let i = 0; i < N; i++) {
    if ((i & 0xffff) === 0) {
      now = Date.now();
      await servicesSnapshot(app.store, now);
    }
    await antiDosAdmit(app.store, account.id, `dev${i % 2000}`, now);
  }
  report('eas checks anti-dos admit', ((performance.now() - t0) * 1e6) / N, 'ns/call');
  await setSetting(app.store, 'mobileAntiDosServiceEnabled', false);
  t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if ((i & 0xffff) === 0) {
      now = Date.now();
      await servicesSnapshot(app.store, now);
    }
    await antiDosAdmit(app.store, account.id, `dev${i % 2000}`, now);
  }
  report('eas checks anti-dos admit disabled', ((performance.now() - t0) * 1e6) / N, 'ns/call');
  printMeasured();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
