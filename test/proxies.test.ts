// Behind a trusted proxy: X-Forwarded-For (right-most untrusted hop) names the client for the
// authentication log, the access log and the device record, only when the peer is one of
// CARBONIO_TRUSTED_PROXIES; from any other peer (a client bound to 127.0.0.2 here) the header is ignored.
// SMTP behind HAProxy: a PROXY protocol v1 header from the trusted proxy names the client, so that
// client is treated as remote (AUTH without TLS refused with 538).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { el, encode } from '../src/eas/wbxml/index.js';
import { loadConfig } from '../src/config.js';
import { parseProxyV2 } from '../src/smtp/proxy-v2.js';
import type { Account } from '../src/store/types.js';
import { basic, startTestApp, type TestApp } from './helpers/app.js';
import { until } from './helpers/wait.js';

/** One EAS FolderSync over HTTP from a chosen local address, with extra headers. */
function folderSync(app: TestApp, from: string, auth: string, deviceId: string, headers: Record<string, string>): Promise<number> {
  const body = encode(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: app.httpPort!, localAddress: from, method: 'POST', agent: false,
      path: `/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=x&DeviceId=${deviceId}&DeviceType=iPhone`,
      headers: { authorization: auth, 'ms-asprotocolversion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml', 'content-length': body.length, ...headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('trusted proxies (HTTP)', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
  });
  after(() => app.stop());

  const lines = (event: string) => app.logs.filter((l) => l.includes(`"event":"${event}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);

  test('from a trusted proxy the forwarded client is the one logged and recorded', async () => {
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, 'wrong-password'), 'proxied1', { 'x-forwarded-for': '198.51.100.7' }), 401);
    await until(() => lines('eas-auth-failure').some((l) => l.remote === '198.51.100.7'), 'the failure line with the forwarded address');
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, pw), 'proxied1', { 'x-forwarded-for': '198.51.100.7' }), 200);
    assert.equal((await app.store.devices.get(ann.id, asDeviceId('proxied1')))?.lastAddress, '198.51.100.7');
    await until(() => lines('eas-request').some((l) => l.remote === '198.51.100.7' && l.status === 200), 'the access line');
  });

  test('the right-most untrusted hop wins: a client cannot hide behind a header it wrote itself', async () => {
    // The client wrote "203.0.113.66" itself; the proxy appended the address it saw.
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, pw), 'proxied2', { 'x-forwarded-for': '203.0.113.66, 198.51.100.8' }), 200);
    assert.equal((await app.store.devices.get(ann.id, asDeviceId('proxied2')))?.lastAddress, '198.51.100.8');
    // Hops inside the trusted ranges are skipped.
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, pw), 'proxied3', { 'x-forwarded-for': '198.51.100.9, 10.1.2.3' }), 200);
    assert.equal((await app.store.devices.get(ann.id, asDeviceId('proxied3')))?.lastAddress, '198.51.100.9');
  });

  test('the same header from an untrusted peer is ignored', async () => {
    assert.equal(await folderSync(app, '127.0.0.2', basic(ann.email, 'wrong-password'), 'direct1', { 'x-forwarded-for': '192.0.2.1' }), 401);
    await until(() => lines('eas-auth-failure').some((l) => l.remote === '127.0.0.2'), 'the failure line with the peer address');
    assert.ok(!lines('eas-auth-failure').some((l) => l.remote === '192.0.2.1'), 'the forged address is not believed');
    assert.equal(await folderSync(app, '127.0.0.2', basic(ann.email, pw), 'direct1', { 'x-forwarded-for': '192.0.2.1' }), 200);
    assert.equal((await app.store.devices.get(ann.id, asDeviceId('direct1')))?.lastAddress, '127.0.0.2');
  });
});

describe('lockout behind a trusted proxy', () => {
  let app: TestApp;
  let ann: Account;
  let bob: Account;

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_TRUSTED_PROXIES: '127.0.0.1', CARBONIO_AUTH_MAX_FAILURES_PER_ADDRESS: '50', CARBONIO_AUTH_MAX_FAILURES: '10' } });
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: 'ann-password-1' });
    bob = await app.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
  });
  after(() => app.stop());

  test('60 bad logins from one forwarded address block that address only; other users, familiar devices and the proxy itself keep working', async () => {
    const via = (address: string) => ({ 'x-forwarded-for': address });
    // Ann's phone has logged in before from her home address: familiar.
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, 'ann-password-1'), 'annphone', via('198.51.100.20')), 200);
    for (let i = 0; i < 60; i++) {
      assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, `guess-${i}`), `bot${i}`, via('203.0.113.50')), 401);
    }
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, 'ann-password-1'), 'bot99', via('203.0.113.50')), 401, 'the attacking address is blocked, right password or not');
    assert.equal(await folderSync(app, '127.0.0.1', basic(bob.email, 'bob-password-1'), 'bobphone', via('203.0.113.50')), 401, 'for every account');
    assert.equal(await folderSync(app, '127.0.0.1', basic(ann.email, 'ann-password-1'), 'annphone', via('198.51.100.20')), 200, 'Ann at home is not locked out');
    assert.equal(await folderSync(app, '127.0.0.1', basic(bob.email, 'bob-password-1'), 'bobphone', via('198.51.100.30')), 200, 'Bob elsewhere is not locked out');
    assert.equal(await folderSync(app, '127.0.0.1', basic(bob.email, 'bob-password-1'), 'bobtablet', {}), 200, "the proxy's own address is never blocked");
    const failures = app.logs.filter((l) => l.includes('"event":"auth-failure"')).map((l) => JSON.parse(l) as { remote: string; reason: string });
    assert.ok(failures.some((l) => l.remote === '203.0.113.50' && l.reason === 'address-blocked'), 'the log names the forwarded address and why');
    assert.ok(!failures.some((l) => l.remote === '127.0.0.1'), 'never the proxy');
  });
});

describe('trusted proxies (SMTP PROXY protocol)', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_TRUSTED_PROXIES: '127.0.0.1', CARBONIO_SMTP_PROXY_PROTOCOL: 'true' } });
    await app.directory.createAccount({ email: 'bo@example.com', password: 'bo-password-1' });
  });
  after(() => app.stop());

  /**
   * A raw SMTP dialog from a chosen local address: `preamble` is written on connect (the PROXY header),
   * then each command after the previous reply is complete (the server refuses clients that talk early).
   */
  async function converse(port: number, from: string, preamble: string | Buffer | null, commands: string[]): Promise<string[]> {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    s.setTimeout(10_000, () => s.destroy());
    let buf = '';
    const waiters: Array<() => void> = [];
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      waiters.splice(0).forEach((w) => w());
    });
    s.on('close', () => waiters.splice(0).forEach((w) => w()));
    /** The next complete reply (its last line is "NNN text"), or what was left when the server hung up. */
    const reply = async (): Promise<string> => {
      for (;;) {
        const m = /^(?:\d{3}-[^\r]*\r\n)*\d{3} [^\r]*\r\n/.exec(buf);
        if (m) {
          buf = buf.slice(m[0].length);
          return m[0];
        }
        if (s.destroyed) return buf;
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    if (preamble) s.write(typeof preamble === 'string' ? `${preamble}\r\n` : preamble);
    const out = [await reply()];
    for (const c of commands) {
      s.write(`${c}\r\n`);
      out.push(await reply());
    }
    s.end('QUIT\r\n');
    return out;
  }

  test('the client named by the proxy is remote: plaintext AUTH refused with 538 5.7.11', async () => {
    const plain = Buffer.from('\0bo@example.com\0bo-password-1').toString('base64');
    const [banner, , auth] = await converse(app.submissionPort, '127.0.0.1', 'PROXY TCP4 203.0.113.7 127.0.0.1 40000 587', ['EHLO client.example', `AUTH PLAIN ${plain}`]);
    assert.match(banner ?? '', /^220 /);
    assert.match(auth ?? '', /^538 5\.7\.11/);
  });

  /** A PROXY v2 header (haproxy's proxy-protocol.txt 2.2): signature, version/command, family, length, addresses. */
  const v2 = (cmd: number, family: number, payload: Buffer): Buffer => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(payload.length);
    return Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([cmd, family]), len, payload]);
  };
  const tcp4 = (a: number[], port: number): Buffer => {
    const b = Buffer.alloc(12);
    Buffer.from(a).copy(b, 0);
    Buffer.from([127, 0, 0, 1]).copy(b, 4);
    b.writeUInt16BE(port, 8);
    b.writeUInt16BE(587, 10);
    return b;
  };

  test('PROXY v2 (binary, send-proxy-v2) names the client too; LOCAL keeps the peer; garbage closes the connection', async () => {
    const plain = Buffer.from('\0bo@example.com\0bo-password-1').toString('base64');
    const [banner, , auth] = await converse(app.submissionPort, '127.0.0.1', v2(0x21, 0x11, tcp4([203, 0, 113, 9], 40001)), ['EHLO client.example', `AUTH PLAIN ${plain}`]);
    assert.match(banner ?? '', /^220 /);
    assert.match(auth ?? '', /^538 5\.7\.11/, 'the client 203.0.113.9 is remote');
    // A health check from the proxy itself (LOCAL): the connection's own address, loopback here.
    const [, , local] = await converse(app.submissionPort, '127.0.0.1', v2(0x20, 0x00, Buffer.alloc(0)), ['EHLO client.example', `AUTH PLAIN ${plain}`]);
    assert.match(local ?? '', /^235 /);
    const bad = await converse(app.submissionPort, '127.0.0.1', v2(0x31, 0x11, tcp4([203, 0, 113, 9], 1)), []);
    assert.doesNotMatch(bad[0] ?? '', /^220 /, 'an unknown version gets no SMTP banner');
  });

  test('PROXY v2 parsing: IPv4, IPv6 in its short form, UNSPEC', () => {
    assert.deepEqual(parseProxyV2(v2(0x21, 0x11, tcp4([198, 51, 100, 1], 5555))), { address: '198.51.100.1', port: 5555 });
    const six = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000007', 'hex').copy(six, 0);
    six.writeUInt16BE(6000, 32);
    assert.deepEqual(parseProxyV2(v2(0x21, 0x21, six)), { address: '2001:db8::7', port: 6000 });
    assert.deepEqual(parseProxyV2(v2(0x21, 0x00, Buffer.alloc(0))), { address: null, port: null });
    assert.throws(() => parseProxyV2(v2(0x21, 0x11, Buffer.alloc(4))), /short IPv4/);
  });

  test('a peer that is not a trusted proxy speaks SMTP directly', async () => {
    const [banner, ehlo] = await converse(app.smtpPort, '127.0.0.2', null, ['EHLO client.example']);
    assert.match(banner ?? '', /^220 /);
    assert.match(ehlo ?? '', /^250-/);
  });

  test('the PROXY protocol needs trusted proxies; bad entries stop the start', () => {
    assert.throws(() => loadConfig({ CARBONIO_SMTP_PROXY_PROTOCOL: 'true' }), /needs CARBONIO_TRUSTED_PROXIES/);
    assert.throws(() => loadConfig({ CARBONIO_TRUSTED_PROXIES: '10.0.0.0/40' }), /not an IP address or CIDR/);
    assert.throws(() => loadConfig({ CARBONIO_TRUSTED_PROXIES: 'proxy.example.com' }), /not an IP address or CIDR/);
  });
});
