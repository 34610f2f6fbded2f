// Requests per second for an authenticated, cheap EAS command (Settings UserInformation Get) over
// keep-alive HTTP on loopback: the per-request floor of the dispatcher (query, Basic auth through the
// verification cache, device registry, gate, WBXML in and out, access log). The load client runs in
// its own process so it does not share the server's event loop.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { el, encode } from '../src/eas/wbxml/index.js';
import { silentLogger } from '../src/core/logger.js';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { printMeasured, report } from './lib.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TOTAL = 20_000;
const CONCURRENCY = 32;

interface Job { url: string; auth: string; body: string; total: number; concurrency: number }

async function client(job: Job): Promise<{ seconds: number; ok: number; statuses: Record<string, number> }> {
  const body = Buffer.from(job.body, 'base64');
  let left = job.total;
  let ok = 0;
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-eas-'));
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
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
    concurrency: CONCURRENCY,
  };
  const child = fork(fileURLToPath(import.meta.url), ['--client']);
  child.send({ ...job, total: 500 });
  await new Promise((r) => child.once('message', r)); // warm-up: JIT, caches, keep-alive sockets
  child.send(job);
  const r = await new Promise<{ seconds: number; ok: number; statuses: Record<string, number> }>((resolve) => child.once('message', resolve));
  child.kill();
  if (r.ok !== TOTAL) console.log(`warning: not every request succeeded: ${JSON.stringify(r.statuses)}`);
  report('eas settings-get requests', r.ok / r.seconds, 'req/s');
  report('eas rss after load', process.memoryUsage().rss / 1024 / 1024, 'MiB');
  printMeasured();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
