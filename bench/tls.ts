// What native TLS costs (issue 12): the same authenticated EAS request (Settings UserInformation Get) over
// keep-alive plain HTTP and over HTTPS, full TLS handshakes per second against the server's one event loop
// (one core), and the memory of a held Ping on a TLS connection against a plain one. The load client runs
// in its own process and trusts the self-signed pair through NODE_EXTRA_CA_CERTS.
// Sizes: BENCH_TLS_REQUESTS (10000), BENCH_TLS_PINGS (1000).
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { child, children, el, encode, ns, textOf } from '../src/eas/wbxml/index.js';
import { easRequest, pingBody } from '../test/helpers/eas-client.js';
import { printMeasured, report } from './lib.js';

const REQUESTS = Number(process.env.BENCH_TLS_REQUESTS ?? 10_000);
const PINGS = Number(process.env.BENCH_TLS_PINGS ?? 1000);
const CONCURRENCY = 32;
const HANDSHAKE_SECONDS = 3;
const PASSWORD = 'bench-password-1';
const as = ns('AirSync');

type ToClient =
  | { cmd: 'requests'; url: string; auth: string; body: string; total: number }
  | { cmd: 'handshakes'; port: number }
  | { cmd: 'setup'; baseUrl: string; devices: number }
  | { cmd: 'hold'; baseUrl: string; devices: number };
type FromClient = { kind: 'done'; value: number };

// ---- load client (its own process) ----
async function clientRun(m: ToClient, inbox: { id: string }): Promise<number> {
  if (m.cmd === 'requests') {
    const body = Buffer.from(m.body, 'base64');
    let left = m.total;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const res = await fetch(m.url, { method: 'POST', body, headers: { authorization: m.auth, 'MS-ASProtocolVersion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml' } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      }
    }));
    return m.total / ((performance.now() - t0) / 1000);
  }
  if (m.cmd === 'handshakes') {
    let n = 0;
    const end = performance.now() + HANDSHAKE_SECONDS * 1000;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        await new Promise<void>((resolve, reject) => {
          // A new session every time (no resumption): the full handshake cost.
          const s = tls.connect({ host: '127.0.0.1', port: m.port, servername: 'localhost', session: undefined }, () => { s.destroy(); resolve(); });
          s.on('error', reject);
        });
        n++;
      }
    }));
    return n / HANDSHAKE_SECONDS;
  }
  const user = 'pinger@example.com';
  const devices = Array.from({ length: m.devices }, (_, i) => `tlsbench${i}`);
  if (m.cmd === 'setup') {
    let i = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (i < devices.length) {
        const d = devices[i++]!;
        const cred = { user, password: PASSWORD, deviceId: d, version: '14.1' };
        const fsr = await easRequest({ baseUrl: m.baseUrl }, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
        inbox.id = textOf(children(child(fsr.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')[0], 'FolderHierarchy:ServerId')!;
        const sync = (key: string) => easRequest({ baseUrl: m.baseUrl }, { ...cred, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inbox.id)))) });
        const first = await sync('0');
        await sync(textOf(child(child(first.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
      }
    }));
    return devices.length;
  }
  for (const d of devices) {
    void easRequest({ baseUrl: m.baseUrl }, { cmd: 'Ping', user, password: PASSWORD, deviceId: d, version: '14.1', body: pingBody(3000, [inbox.id]) }).catch(() => undefined);
  }
  return devices.length;
}

function clientMain(): void {
  const inbox = { id: '' };
  process.on('message', (m: ToClient) => {
    clientRun(m, inbox).then((value) => process.send?.({ kind: 'done', value } satisfies FromClient), (err: unknown) => { console.error(err); process.exit(1); });
  });
}

// ---- server side ----
interface Server {
  app: Awaited<ReturnType<typeof startApp>>;
  client: ReturnType<typeof fork>;
  ask: (m: ToClient) => Promise<number>;
  stop: () => Promise<void>;
}

async function startServer(): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-bench-tls-'));
  const pem = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const certFile = path.join(dataDir, 'cert.pem');
  fs.writeFileSync(certFile, pem.cert);
  fs.writeFileSync(path.join(dataDir, 'key.pem'), pem.private, { mode: 0o600 });
  const config = loadConfig({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_HTTPS_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_SMTPS_PORT: '0', CARBONIO_IMAPS_PORT: '0', CARBONIO_POP3S_PORT: '0', CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_ADMIN_PASSWORD: 'bench-admin-pw',
    CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1', CARBONIO_TLS_CERT_FILE: certFile, CARBONIO_TLS_KEY_FILE: path.join(dataDir, 'key.pem'),
  });
  const app = await startApp(config, silentLogger());
  await app.directory.createAccount({ email: 'pinger@example.com', password: PASSWORD });
  const client = fork(fileURLToPath(import.meta.url), ['--client'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile } });
  const ask = (m: ToClient): Promise<number> => new Promise((resolve) => {
    client.once('message', (r: FromClient) => resolve(r.value));
    client.send(m);
  });
  return {
    app, client, ask,
    stop: async () => {
      client.kill();
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** RSS growth per held Ping over one kind of connection, in a fresh server process (printed as JSON). */
async function pingsMain(scheme: 'http' | 'https'): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const { app, ask, stop } = await startServer();
  const base = scheme === 'http' ? `http://127.0.0.1:${app.httpPort}` : `https://127.0.0.1:${app.httpsPort}`;
  await ask({ cmd: 'setup', baseUrl: base, devices: PINGS });
  gc?.(); await new Promise((r) => setTimeout(r, 300)); gc?.();
  const before = process.memoryUsage().rss;
  await ask({ cmd: 'hold', baseUrl: base, devices: PINGS });
  const end = Date.now() + 60_000;
  while (app.sessions.count() < PINGS && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  gc?.(); await new Promise((r) => setTimeout(r, 300)); gc?.();
  process.stdout.write(`${JSON.stringify({ perPing: (process.memoryUsage().rss - before) / PINGS, held: app.sessions.count() })}\n`);
  await stop();
}

async function serverMain(): Promise<void> {
  const { app, ask, stop } = await startServer();
  const plainUrl = `http://127.0.0.1:${app.httpPort}`;
  const tlsUrl = `https://127.0.0.1:${app.httpsPort}`;
  const job = (base: string, total: number): ToClient => ({
    cmd: 'requests', url: `${base}/Microsoft-Server-ActiveSync?Cmd=Settings&User=pinger&DeviceId=tlsreq1&DeviceType=iPhone`,
    auth: `Basic ${Buffer.from(`pinger@example.com:${PASSWORD}`).toString('base64')}`,
    body: encode(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))).toString('base64'), total,
  });
  await ask(job(plainUrl, 500));
  await ask(job(tlsUrl, 500)); // warm-up: JIT, caches, keep-alive sockets on both
  const plain = await ask(job(plainUrl, REQUESTS));
  const secure = await ask(job(tlsUrl, REQUESTS));
  report('eas requests plain http', plain, 'req/s');
  report('eas requests https', secure, 'req/s');
  console.log(`https / http: ${(secure / plain).toFixed(2)}x`);
  report('tls full handshakes (server on one core)', await ask({ cmd: 'handshakes', port: app.httpsPort! }), 'per s');
  await stop();
  // Each kind of held Ping in a server process of its own: RSS freed by one run would hide the other's growth.
  const perPing: Record<string, number> = {};
  for (const scheme of ['http', 'https'] as const) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--pings', scheme], { encoding: 'utf8', env: process.env });
    const line = r.stdout.trim().split('\n').pop() ?? '{}';
    const parsed = JSON.parse(line) as { perPing: number; held: number };
    if (parsed.held < PINGS) console.log(`warning: only ${parsed.held} of ${PINGS} Pings held over ${scheme}`);
    perPing[scheme] = parsed.perPing;
  }
  report('held ping rss plain http', perPing.http ?? NaN, 'bytes');
  report('held ping rss https', perPing.https ?? NaN, 'bytes');
  printMeasured();
}

if (process.argv[2] === '--client') clientMain();
else if (process.argv[2] === '--pings') await pingsMain(process.argv[3] === 'https' ? 'https' : 'http');
else await serverMain();
