// The real server process (`node dist/src/main.js`, what `npm start` runs): first-start banner,
// /health, a clean exit on SIGTERM, and a clear message for a bad environment value.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { spawnServer as start } from './helpers/node-process.js';
import { until } from './helpers/wait.js';



/** The port the process logs as listening on (`httpPort`, `httpsPort`), waiting for its start line. */
async function loggedPort(p: ReturnType<typeof start>, name: 'httpPort' | 'httpsPort'): Promise<number> {
  const re = new RegExp(`"${name}":(\\d+)`);
  // A deadline, not a wait: a loaded machine can take many seconds to start a Node process.
  await until(() => re.test(p.out()) || p.child.exitCode !== null, `the ${name} start line`, 60_000);
  const m = re.exec(p.out());
  assert.ok(m, `server did not start: ${p.err()}`);
  return Number(m[1]);
}

test('serve: first start with files for its user only, the password off the log stream, health, and a clean stop on SIGTERM', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-serve-'));
  // A data directory that does not exist yet: the server creates it.
  const dataDir = path.join(parent, 'data');
  const p = start({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1',
  });
  try {
    const port = await loggedPort(p, 'httpPort');
    // Standard output is a pipe here, as under systemd: the password is in the 0600 file only.
    const [, password] = fs.readFileSync(path.join(dataDir, 'admin-credentials'), 'utf8').split('\n');
    assert.match(password ?? '', /^[a-z2-9]{24}$/);
    assert.ok(!p.out().includes(password!) && !p.err().includes(password!), 'the generated password is not in the output');
    assert.doesNotMatch(p.out(), /First start/);
    assert.match(p.out(), /"passwordFile":"[^"]*admin-credentials"/);
    const mode = (f: string) => (fs.statSync(path.join(dataDir, f)).mode & 0o777).toString(8);
    await fetch(`http://127.0.0.1:${port}/health`);
    assert.deepEqual(
      ['.', 'carbonio.sqlite', 'carbonio.sqlite-wal', 'carbonio.sqlite-shm', 'admin-credentials'].map((f) => [f, mode(f)]),
      [['.', '700'], ['carbonio.sqlite', '600'], ['carbonio.sqlite-wal', '600'], ['carbonio.sqlite-shm', '600'], ['admin-credentials', '600']],
    );
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.deepEqual(await health.json(), { status: 'ok', version: '0.1.0', database: 'sqlite' });
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    assert.ok(Date.now() - t0 < 30_000, 'stops without waiting for anything');
    assert.match(p.out(), /"msg":"stopped"/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'no longer listening');
  } finally {
    p.child.kill('SIGKILL');
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('serve: a bad environment value stops the start with one clear line', async () => {
  const p = start({ CARBONIO_HTTP_PORT: 'eighty' });
  assert.equal(await p.exited, 2);
  assert.equal(p.err().trim(), 'carbonio: configuration error: CARBONIO_HTTP_PORT must be a whole number, got "eighty"');
});

test('serve: SIGTERM with 100 held Pings answers them all and exits', async () => {
  const { easRequest } = await import('./helpers/eas-client.js');
  const { child, children, el, ns, textOf } = await import('../src/eas/wbxml/index.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-serve-'));
  const p = start({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1', CARBONIO_ADMIN_PASSWORD: 'admin-secret-123',
  });
  try {
    const port = await loggedPort(p, 'httpPort');
    const app = { baseUrl: `http://127.0.0.1:${port}` };
    const cred = { user: 'admin@example.com', password: 'admin-secret-123', version: '14.1' };
    const P = ns('Ping');
    const A = ns('AirSync');
    const held = [];
    for (let i = 0; i < 100; i++) {
      const deviceId = `term${i}`;
      const fs0 = await easRequest(app, { ...cred, deviceId, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
      const inbox = textOf(children(child(fs0.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')[0], 'FolderHierarchy:ServerId')!;
      const s0 = await easRequest(app, { ...cred, deviceId, cmd: 'Sync', body: A('Sync', A('Collections', A('Collection', A('SyncKey', '0'), A('CollectionId', inbox)))) });
      const key = textOf(child(child(s0.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
      await easRequest(app, { ...cred, deviceId, cmd: 'Sync', body: A('Sync', A('Collections', A('Collection', A('SyncKey', key), A('CollectionId', inbox)))) });
      held.push(easRequest(app, { ...cred, deviceId, cmd: 'Ping', body: P('Ping', P('HeartbeatInterval', 900), P('Folders', P('Folder', P('Id', inbox), P('Class', 'Email')))) }));
    }
    // All 100 held by the server (its admin API lists this process's held requests), not merely sent.
    const auth = `Basic ${Buffer.from('admin@example.com:admin-secret-123').toString('base64')}`;
    await until(async () => {
      const r = await fetch(`${app.baseUrl}/api/admin/sessions`, { headers: { authorization: auth } });
      return ((await r.json()) as { sessions: unknown[] }).sessions.length === 100;
    }, 'the 100 Pings to be held', 60_000);
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const answers = await Promise.all(held);
    assert.equal(await p.exited, 0);
    // Long before the 900 s heartbeats: shutdown answered them (how fast is a matter of load).
    assert.ok(Date.now() - t0 < 30_000, `exited in ${Date.now() - t0} ms`);
    assert.ok(answers.every((a) => a.status === 200 && a.root !== null), JSON.stringify(answers.map((a) => a.status)));
  } finally {
    p.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('serve: SIGHUP reloads the certificate files; new TLS connections see the new serial', async () => {
  const { run } = await import('../src/cli/main.js');
  const tls = await import('node:tls');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-serve-tls-'));
  const pair = async (): Promise<string> => {
    let out = '';
    assert.equal(await run(['tls', 'selfSigned', 'localhost', dataDir, 'force', 'true', '--json'], { env: {}, stdout: (t) => { out += t; }, stderr: () => undefined }), 0);
    return (JSON.parse(out) as { serial: string }).serial;
  };
  const first = await pair();
  const p = start({
    CARBONIO_DATA_DIR: dataDir, CARBONIO_HTTP_PORT: '0', CARBONIO_HTTPS_PORT: '0', CARBONIO_SMTP_PORT: '0', CARBONIO_SUBMISSION_PORT: '0', CARBONIO_IMAP_PORT: '0', CARBONIO_POP3_PORT: '0',
    CARBONIO_SMTPS_PORT: '0', CARBONIO_IMAPS_PORT: '0', CARBONIO_POP3S_PORT: '0', CARBONIO_BIND_ADDRESS: '127.0.0.1', CARBONIO_SCRYPT_LOG2N: '10', CARBONIO_SCRYPT_P: '1',
    CARBONIO_ADMIN_PASSWORD: 'admin-secret-123',
    CARBONIO_TLS_CERT_FILE: path.join(dataDir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dataDir, 'key.pem'),
  });
  const serial = (port: number) => new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.end();
    });
    s.on('error', reject);
  });
  try {
    const port = await loggedPort(p, 'httpsPort');
    assert.equal(await serial(port), first);
    const next = await pair();
    p.child.kill('SIGHUP');
    // The reload logs its reason whether the pair changed or the file watcher had already swapped it.
    await until(() => /"reason":"SIGHUP"/.test(p.out()), 'the SIGHUP reload line', 30_000);
    assert.equal(await serial(port), next);
    assert.equal(p.child.exitCode, null, 'SIGHUP does not stop the server');
  } finally {
    p.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
