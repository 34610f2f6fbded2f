// The cost of the ABQ check per EAS request (issue 15 "Measure"): requests per second for a cheap command
// (Settings UserInformation Get) over keep-alive HTTP on loopback, with ABQ never enabled (two cached
// lookups, no query), with abqMode Interactive and the device Allowed on the list (its entries and its
// view read per request), and with the device Quarantined (the same, plus the stand-in store and its
// notice). The ratio to the first is the check's cost. The load client runs in its own process.
// BENCH_ABQ_TOTAL overrides the requests per phase.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { asDeviceId } from '../src/core/ids.js';
import { silentLogger } from '../src/core/logger.js';
import { setEntry } from '../src/devices/abq-control.js';
import { setMode } from '../src/devices/abq-mode.js';
import { el, encode } from '../src/eas/wbxml/index.js';
import { printMeasured, report } from './lib.js';

const TOTAL = Number(process.env.BENCH_ABQ_TOTAL ?? 10_000);
const CONCURRENCY = 32;

interface Job { url: string; auth: string; body: string; total: number }
interface Result { seconds: number; ok: number; statuses: Record<string, number> }

async function client(job: Job): Promise<Result> {
  const body = Buffer.from(job.body, 'base64');
  let left = job.total;
  let ok = 0;
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) {
      const res = await fetch(job.url, {
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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-abq-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw',
  });
  const app = await startApp(config, silentLogger());
  const account = await app.directory.createAccount({ email: 'phone@example.com', password: 'bench-account-pw' });
  const { secret } = await app.directory.addCredential(account, { services: ['EAS'] });
  const job: Job = {
    url: `http://127.0.0.1:${app.httpPort}/Microsoft-Server-ActiveSync?Cmd=Settings&User=phone&DeviceId=bench0001&DeviceType=iPhone`,
    auth: `Basic ${Buffer.from(`phone@example.com:${secret}`).toString('base64')}`,
    body: encode(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))).toString('base64'),
    total: TOTAL,
  };
  const child = fork(fileURLToPath(import.meta.url), ['--client']);
  const load = async (total: number): Promise<Result> => {
    child.send({ ...job, total });
    return new Promise<Result>((resolve) => child.once('message', resolve));
  };
  const phase = async (name: string): Promise<number> => {
    await load(500); // warm-up: JIT, caches, keep-alive sockets
    const r = await load(TOTAL);
    if (r.ok !== TOTAL) console.log(`warning (${name}): not every request succeeded: ${JSON.stringify(r.statuses)}`);
    return r.ok / r.seconds;
  };
  const off = await phase('off');
  report('eas settings-get, ABQ never enabled', off, 'req/s');
  await setMode(app.store, { kind: 'global' }, 'Interactive', 'bench');
  await setEntry(app.store, asDeviceId('bench0001'), account.id, 'Allowed', 'bench');
  const allowed = await phase('allowed');
  report('eas settings-get, ABQ Interactive, device Allowed', allowed, 'req/s');
  await setEntry(app.store, asDeviceId('bench0001'), account.id, 'Quarantined', 'bench');
  const quarantined = await phase('quarantined');
  report('eas settings-get, ABQ Interactive, device Quarantined (stand-in)', quarantined, 'req/s');
  console.log(`ABQ check cost: ${(100 * (1 - allowed / off)).toFixed(1)}% of the request rate (Allowed), ${(100 * (1 - quarantined / off)).toFixed(1)}% (stand-in)`);
  printMeasured();
  child.kill();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
