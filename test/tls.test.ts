// Native TLS on every listener: EAS over HTTPS with a pair made by `carbonio tls selfSigned`; a certificate
// reload (what SIGHUP and a file change do) that new connections see while a held Ping keeps its
// connection and still answers; a broken pair refused with the old one kept; STARTTLS then AUTH on
// submission (nodemailer's SMTP client), AUTH before STARTTLS from a non-loopback address (127.0.0.2)
// refused with 538 5.7.11, implicit TLS on the SMTPS port, STARTTLS offered on the inbound port.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { run } from '../src/cli/main.js';
import { child, children, decode, el, encode, intOf, ns, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { basic, startTestApp, type TestApp } from './helpers/app.js';
import { pingBody } from './helpers/eas-client.js';
import { SmtpClient } from './helpers/smtp-client.js';
import { until } from './helpers/wait.js';

const as = ns('AirSync');

/** `carbonio tls selfSigned` in-process: writes cert.pem and key.pem into dir. */
async function selfSigned(host: string, dir: string): Promise<{ cert: Buffer; serial: string }> {
  let out = '';
  const code = await run(['tls', 'selfSigned', host, dir, 'force', 'true', '--json'], { env: {}, stdout: (t) => { out += t; }, stderr: () => undefined });
  assert.equal(code, 0);
  const j = JSON.parse(out) as { serial: string };
  return { cert: fs.readFileSync(path.join(dir, 'cert.pem')), serial: j.serial };
}

/** The serial of the certificate a new TLS connection to the port is shown. */
function peerSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

interface Answer { status: number; root: WbxmlElement | null; protocol: string | undefined }

/** One EAS POST over HTTPS trusting `ca`, on a fresh connection (no agent reuse). */
function easPost(port: number, ca: Buffer, user: string, pass: string, cmd: string, deviceId: string, body: WbxmlElement): Promise<Answer> {
  const payload = encode(body);
  return new Promise((resolve, reject) => {
    // https.request hands the TLS options (ALPN included) to tls.connect.
    const options: https.RequestOptions & tls.ConnectionOptions = {
      host: '127.0.0.1', port, method: 'POST', ca, servername: 'localhost', agent: false, ALPNProtocols: ['http/1.1'],
      path: `/Microsoft-Server-ActiveSync?Cmd=${cmd}&User=${encodeURIComponent(user)}&DeviceId=${deviceId}&DeviceType=iPhone`,
      headers: { authorization: basic(user, pass), 'ms-asprotocolversion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml', 'content-length': payload.length },
    };
    const req = https.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, root: raw.length > 0 ? decode(raw) : null, protocol: (res.socket as tls.TLSSocket).alpnProtocol || undefined });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('TLS on every listener', () => {
  let app: TestApp;
  let dir: string;
  let ca: Buffer;
  let firstSerial: string;
  let ann: Account;
  const pw = 'ann-password-1';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-tls-'));
    ({ cert: ca, serial: firstSerial } = await selfSigned('localhost', dir));
    app = await startTestApp({ env: { CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(async () => {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('ActiveSync over HTTPS (TLS 1.2+, ALPN http/1.1) with the self-signed pair; the plain port still serves', async () => {
    assert.ok(app.httpsPort && app.smtpsPort && app.httpPort);
    const r = await easPost(app.httpsPort, ca, ann.email, pw, 'FolderSync', 'tlsphone1', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    assert.equal(r.status, 200);
    assert.equal(intOf(r.root ?? undefined, 'FolderHierarchy:Status'), 1);
    assert.equal(r.protocol, 'http/1.1');
    assert.equal(await peerSerial(app.httpsPort), firstSerial);
    await assert.rejects(new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: app.httpsPort!, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve(s));
      s.on('error', reject);
    }), 'TLS 1.1 is refused');
    assert.equal((await fetch(`http://127.0.0.1:${app.httpPort}/health`)).status, 200);
  });

  test('a reload swaps the certificate for new connections; a held Ping keeps its connection and still answers', async () => {
    const fsync = await easPost(app.httpsPort!, ca, ann.email, pw, 'FolderSync', 'tlsphone2', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    const inboxId = textOf(children(child(fsync.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find((a) => intOf(a, 'FolderHierarchy:Type') === 2), 'FolderHierarchy:ServerId')!;
    const sync = (key: string) => easPost(app.httpsPort!, ca, ann.email, pw, 'Sync', 'tlsphone2', as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inboxId)))));
    const first = await sync('0');
    await sync(textOf(child(child(first.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
    const held = easPost(app.httpsPort!, ca, ann.email, pw, 'Ping', 'tlsphone2', pingBody(600, [inboxId]));
    await until(() => app.sessions.list(ann.id).some((h) => String(h.deviceId) === 'tlsphone2'), 'the Ping to be held');

    const next = await selfSigned('localhost', dir);
    assert.notEqual(next.serial, firstSerial);
    assert.equal(app.reloadTls(), true);
    assert.equal(await peerSerial(app.httpsPort!), next.serial, 'new HTTPS connections see the new certificate');
    assert.equal(await peerSerial(app.smtpsPort!), next.serial, 'and so does SMTPS');
    assert.ok(app.sessions.list(ann.id).some((h) => String(h.deviceId) === 'tlsphone2'), 'the Ping is still held');

    const c = await SmtpClient.connect(app.smtpPort);
    await c.ehlo();
    assert.equal((await c.send('zed@example.net', [ann.email], 'From: zed@example.net\r\nSubject: wake\r\n\r\nhi\r\n')).data?.code, 250);
    await c.quit();
    const woke = await held;
    assert.equal(intOf(woke.root ?? undefined, 'Ping:Status'), 2, 'the held Ping answered on its old connection');
    // Only the current certificate: OpenSSL picks a trust anchor by name, and every pair here is CN=localhost.
    ca = next.cert;
  });

  test('a broken pair is refused with the reason logged, and the current one stays', async () => {
    const current = await peerSerial(app.httpsPort!);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-tls-other-'));
    await selfSigned('localhost', other);
    // A key that belongs to another certificate, as a renewal half-written would leave.
    fs.copyFileSync(path.join(other, 'key.pem'), path.join(dir, 'key.pem'));
    fs.rmSync(other, { recursive: true, force: true });
    assert.equal(app.reloadTls(), false);
    assert.ok(app.logs.some((l) => l.includes('"event":"tls-reload-refused"') && l.includes('does not belong')));
    assert.equal(await peerSerial(app.httpsPort!), current);
    fs.writeFileSync(path.join(dir, 'cert.pem'), 'not a certificate');
    assert.equal(app.reloadTls(), false);
    assert.equal(await peerSerial(app.httpsPort!), current);
  });

  test('a new pair written over the files is picked up without a signal', async () => {
    const before = await peerSerial(app.httpsPort!);
    const next = await selfSigned('localhost', dir);
    await until(async () => (await peerSerial(app.httpsPort!)) === next.serial, 'the watched files to be reloaded', 10_000);
    assert.notEqual(before, next.serial);
    ca = next.cert;
  });

  test('submission: STARTTLS then AUTH works; AUTH in clear from a non-loopback address gets 538 5.7.11', async () => {
    const opts = { host: '127.0.0.1', port: app.submissionPort, auth: { user: ann.email, pass: pw }, tls: { ca, servername: 'localhost' } };
    const message = { from: ann.email, to: ann.email, subject: 'over TLS', text: 'hello' };
    const secure = nodemailer.createTransport({ ...opts, requireTLS: true });
    const info = await secure.sendMail(message);
    assert.equal(info.accepted.length, 1);
    secure.close();

    const remote = nodemailer.createTransport({ ...opts, ignoreTLS: true, localAddress: '127.0.0.2' });
    await assert.rejects(remote.sendMail(message), (err: { responseCode?: number; response?: string }) => {
      assert.equal(err.responseCode, 538);
      assert.match(err.response ?? '', /5\.7\.11/);
      return true;
    });
    remote.close();
    // The same client over TLS from the same address is fine.
    const remoteTls = nodemailer.createTransport({ ...opts, requireTLS: true, localAddress: '127.0.0.2' });
    assert.equal((await remoteTls.sendMail(message)).accepted.length, 1);
    remoteTls.close();
    // Loopback (127.0.0.1) may still log in without TLS: local tools and tests.
    const local = nodemailer.createTransport({ ...opts, ignoreTLS: true });
    assert.equal((await local.sendMail(message)).accepted.length, 1);
    local.close();
  });

  test('implicit TLS submission on the SMTPS port; STARTTLS offered on the inbound port', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtpsPort!, secure: true, auth: { user: ann.email, pass: pw }, tls: { ca, servername: 'localhost' }, localAddress: '127.0.0.2' });
    assert.equal((await t.sendMail({ from: ann.email, to: ann.email, subject: 'smtps', text: 'x' })).accepted.length, 1);
    t.close();
    const c = await SmtpClient.connect(app.smtpPort);
    const ehlo = await c.ehlo();
    assert.ok(ehlo.lines.includes('STARTTLS'), 'inbound offers STARTTLS');
    assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH')), 'inbound takes no AUTH');
    await c.quit();
  });

  test('the web console\'s session cookie is Secure over HTTPS (and HttpOnly, SameSite=Strict)', async () => {
    const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: app.httpsPort!, path: '/api/session', method: 'POST', ca, servername: 'localhost',
        headers: { 'content-type': 'application/json' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ email: ann.email, password: pw, scope: 'user' }));
    });
    assert.equal(answer.status, 200);
    const cookie = (answer.headers['set-cookie'] ?? [])[0] ?? '';
    assert.match(cookie, /;\s*Secure/i);
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Strict/i);
  });
});

describe('TLS configuration', () => {
  test('CARBONIO_ALLOW_PLAINTEXT_AUTH=true lets a non-loopback client log in without TLS', async () => {
    const app = await startTestApp({ env: { CARBONIO_ALLOW_PLAINTEXT_AUTH: 'true' } });
    try {
      const a = await app.directory.createAccount({ email: 'bo@example.com', password: 'bo-password-1' });
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: app.submissionPort, auth: { user: a.email, pass: 'bo-password-1' }, localAddress: '127.0.0.2' });
      assert.equal((await t.sendMail({ from: a.email, to: a.email, subject: 'plain', text: 'x' })).accepted.length, 1);
      t.close();
      assert.equal(app.httpsPort, null, 'no certificate, no HTTPS');
      assert.equal(app.smtpsPort, null);
    } finally {
      await app.stop();
    }
  });

  test('without TLS a non-loopback client cannot log in on submission', async () => {
    const app = await startTestApp();
    try {
      const a = await app.directory.createAccount({ email: 'cy@example.com', password: 'cy-password-1' });
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: app.submissionPort, auth: { user: a.email, pass: 'cy-password-1' }, localAddress: '127.0.0.2' });
      await assert.rejects(t.sendMail({ from: a.email, to: a.email, subject: 'plain', text: 'x' }), /538/);
      t.close();
    } finally {
      await app.stop();
    }
  });

  test('HTTP can be turned off when TLS is on; half a pair or off without TLS stops the start', async () => {
    const { loadConfig } = await import('../src/config.js');
    assert.throws(() => loadConfig({ CARBONIO_HTTP_PORT: 'off' }), /needs TLS/);
    assert.throws(() => loadConfig({ CARBONIO_TLS_CERT_FILE: '/x/cert.pem' }), /go together/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-tls-off-'));
    const { cert } = await selfSigned('localhost', dir);
    const app = await startTestApp({ env: { CARBONIO_HTTP_PORT: 'off', CARBONIO_TLS_CERT_FILE: path.join(dir, 'cert.pem'), CARBONIO_TLS_KEY_FILE: path.join(dir, 'key.pem') } });
    try {
      assert.equal(app.httpPort, null);
      const r = await easPost(app.httpsPort!, cert, app.admin.email, app.admin.password, 'FolderSync', 'offphone', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
      assert.equal(r.status, 200);
    } finally {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
