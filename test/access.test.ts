// The shared mail-access module (src/access, issue 18 part 4): the CRLF line reader with its maximum and
// raw byte reads, back-pressure, the connection counters and the plain-text rule, STARTTLS in place with
// bytes injected in clear thrown away, and the listeners' per-address limit and goodbye on close.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/cli/main.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { TlsMaterial } from '../src/tls/material.js';
import type { AccessConnection } from '../src/access/index.js';
import { ConnectionLimits, LineReader, authAllowed, decodeBase64, parsePlain, startListeners, upgradeToTls, type AccessListeners, type TlsContexts } from '../src/access/index.js';

/** A connected socket pair over loopback: [client, server side]. */
async function pair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const s = await accepted;
  await new Promise<void>((resolve) => (client.connecting ? client.once('connect', () => resolve()) : resolve()));
  return [client, s, () => { client.destroy(); s.destroy(); server.close(); }];
}

/** Reads lines the server writes to a client socket. */
function lines(socket: net.Socket): { next(): Promise<string> } {
  let buf = '';
  const waiting: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (const w of waiting.splice(0)) w();
  });
  return {
    async next() {
      for (;;) {
        const i = buf.indexOf('\r\n');
        if (i >= 0) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 2);
          return l;
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
  };
}

const text = (r: { kind: string; line?: Buffer }): string => (r.kind === 'line' ? r.line!.toString('latin1') : `<${r.kind}>`);

describe('line reader', () => {
  test('CRLF and bare LF lines, pipelined; an over-long line reported once and skipped, reading goes on', async () => {
    const [client, server, done] = await pair();
    try {
      const r = new LineReader(server, { maxLineBytes: 10 });
      client.write('A1 NOOP\r\nB2\nexactly10!\r\n');
      client.write('x'.repeat(5000));
      client.write(`${'y'.repeat(5000)}\r\nAFTER\r\n`);
      assert.equal(text(await r.next()), 'A1 NOOP');
      assert.equal(text(await r.next()), 'B2');
      assert.equal(text(await r.next()), 'exactly10!');
      assert.equal(text(await r.next()), '<too-long>');
      assert.equal(text(await r.next()), 'AFTER');
      // An over-long line that does end within the buffer.
      client.write('0123456789ABC\r\nNEXT\r\n');
      assert.equal(text(await r.next()), '<too-long>');
      assert.equal(text(await r.next()), 'NEXT');
      client.end();
      assert.equal(text(await r.next()), '<end>');
    } finally {
      done();
    }
  });

  test('a 1 MB line without CRLF costs no more than the buffer limit and is reported once', async () => {
    const [client, server, done] = await pair();
    try {
      const r = new LineReader(server, { maxLineBytes: 1000, maxBuffered: 4096 });
      const mb = Buffer.alloc(1024 * 1024, 0x61);
      client.write(mb);
      assert.equal(text(await r.next()), '<too-long>');
      client.write('\r\nok\r\n');
      assert.equal(text(await r.next()), 'ok');
      assert.ok(r.pending < 4096);
    } finally {
      done();
    }
  });

  test('raw bytes (a literal) between lines, binary included; end of stream gives null', async () => {
    const [client, server, done] = await pair();
    try {
      const r = new LineReader(server, { maxLineBytes: 100 });
      const body = Buffer.from([0, 13, 10, 255, 46, 13, 10]);
      client.write(Buffer.concat([Buffer.from('A APPEND x {7}\r\n'), body, Buffer.from(')\r\n')]));
      assert.equal(text(await r.next()), 'A APPEND x {7}');
      assert.deepEqual(await r.readBytes(7, 100), body);
      assert.equal(text(await r.next()), ')');
      await assert.rejects(r.readBytes(101, 100), RangeError);
      // A refused literal is read and dropped as it comes, never held whole.
      const big = Buffer.alloc(300_000, 0x78);
      client.write(Buffer.concat([big, Buffer.from('NEXT\r\n')]));
      assert.equal(await r.skipBytes(big.length), true);
      assert.equal(text(await r.next()), 'NEXT');
      client.end('abc');
      assert.equal(await r.readBytes(5, 100), null);
    } finally {
      done();
    }
  });

  test('back-pressure: the socket is paused while the buffer is full and nobody reads', async () => {
    const [client, server, done] = await pair();
    try {
      const r = new LineReader(server, { maxLineBytes: 100, maxBuffered: 1000 });
      const many = Buffer.from('NOOP\r\n'.repeat(200_000));
      let flushed = false;
      client.write(many, () => { flushed = true; });
      await waitFor(() => server.isPaused());
      assert.ok(r.pending >= 1000 && r.pending < many.length);
      let n = 0;
      while (n < 200_000) {
        const got = await r.next();
        assert.equal(text(got), 'NOOP');
        n++;
      }
      await waitFor(() => flushed);
    } finally {
      done();
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setImmediate(resolve));
}

describe('SASL PLAIN', () => {
  test('base64 strictly, authzid empty or the login itself', () => {
    assert.deepEqual(decodeBase64('='), Buffer.alloc(0));
    assert.equal(decodeBase64('abc'), null);
    assert.equal(decodeBase64('ab!='), null);
    const msg = (s: string) => decodeBase64(Buffer.from(s).toString('base64'))!;
    assert.deepEqual(parsePlain(msg('\0ann@example.com\0pw with spaces')), { login: 'ann@example.com', secret: 'pw with spaces' });
    assert.deepEqual(parsePlain(msg('ANN@example.com\0ann@example.com\0pw')), { login: 'ann@example.com', secret: 'pw' });
    assert.equal(parsePlain(msg('bob@example.com\0ann@example.com\0pw')), null);
    assert.equal(parsePlain(msg('\0ann@example.com\0')), null);
    assert.equal(parsePlain(msg('ann@example.com\0pw')), null);
  });
});

describe('configuration', () => {
  test('ports default, `off` turns a listener off, limits are checked', () => {
    const d = loadConfig({ CARBONIO_DATA_DIR: '/tmp/x' });
    assert.deepEqual([d.imapPort, d.imapsPort, d.pop3Port, d.pop3sPort], [1143, 1993, 1110, 1995]);
    assert.deepEqual([d.mailAccess.maxPerAccount, d.mailAccess.maxPerAddress, d.mailAccess.imapIdleMs, d.mailAccess.pop3IdleMs], [50, 100, 30 * 60_000, 10 * 60_000]);
    const off = loadConfig({ CARBONIO_DATA_DIR: '/tmp/x', CARBONIO_IMAP_PORT: 'off', CARBONIO_POP3S_PORT: 'OFF', CARBONIO_MAIL_ACCESS_MAX_PER_ACCOUNT: '3' });
    assert.equal(off.imapPort, null);
    assert.equal(off.pop3sPort, null);
    assert.equal(off.pop3Port, 1110);
    assert.equal(off.mailAccess.maxPerAccount, 3);
    assert.throws(() => loadConfig({ CARBONIO_POP3_PORT: 'pop' }), /CARBONIO_POP3_PORT must be a whole number/);
    assert.throws(() => loadConfig({ CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS: '0' }), /CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS must be between/);
  });
});

describe('limits', () => {
  test('per account and per address, released once, counted together', () => {
    const l = new ConnectionLimits({ maxPerAccount: 2, maxPerAddress: 3 });
    const a = l.acquireAccount('acc1');
    const b = l.acquireAccount('acc1');
    assert.ok(a && b);
    assert.equal(l.acquireAccount('acc1'), null);
    assert.ok(l.acquireAccount('acc2'));
    a.release();
    a.release();
    assert.equal(l.count('account', 'acc1'), 1);
    assert.ok(l.acquireAccount('acc1'));
    const ips = [l.acquireAddress('192.0.2.1'), l.acquireAddress('192.0.2.1'), l.acquireAddress('192.0.2.1')];
    assert.ok(ips.every(Boolean));
    assert.equal(l.acquireAddress('192.0.2.1'), null);
    ips[0]!.release();
    assert.ok(l.acquireAddress('192.0.2.1'));
  });

  test('plain-text logins: over TLS, from loopback, or when the admin allows them', () => {
    const off = { allowPlaintextAuth: false };
    assert.equal(authAllowed(true, '198.51.100.7', off), true);
    assert.equal(authAllowed(false, '127.0.0.1', off), true);
    assert.equal(authAllowed(false, '::1', off), true);
    assert.equal(authAllowed(false, '::ffff:127.0.0.1', off), true);
    assert.equal(authAllowed(false, '127.0.0.2', off), false);
    assert.equal(authAllowed(false, '198.51.100.7', off), false);
    assert.equal(authAllowed(false, '198.51.100.7', { allowPlaintextAuth: true }), true);
  });
});

describe('listeners and STARTTLS', () => {
  let dir: string;
  let material: TlsMaterial;
  let listeners: AccessListeners;
  const limits = new ConnectionLimits({ maxPerAccount: 5, maxPerAddress: 2 });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-access-'));
    const code = await run(['tls', 'selfSigned', 'localhost', dir, 'force', 'true', '--json'], { env: {}, stdout: () => undefined, stderr: () => undefined });
    assert.equal(code, 0);
    material = new TlsMaterial({ certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') }, silentLogger());
    // A tiny echo protocol: "STARTTLS" upgrades, "WHO" says whether the connection is secure, "QUIT" ends.
    const session = async (conn: AccessConnection, starttls: TlsContexts | null): Promise<void> => {
      const reader = new LineReader(conn.socket, { maxLineBytes: 100 });
      await conn.write(`+OK hello ${conn.secure ? 'tls' : 'plain'}\r\n`);
      for (;;) {
        const r = await reader.next();
        if (r.kind === 'end') return;
        const cmd = r.kind === 'line' ? r.line.toString() : 'TOO-LONG';
        if (cmd === 'STARTTLS' && starttls) {
          await conn.write('+OK go\r\n');
          const up = await upgradeToTls(conn, reader, starttls);
          if (!up.ok) return;
          await conn.write(`+OK discarded ${up.discarded}\r\n`);
        } else if (cmd === 'WHO') await conn.write(`+OK ${conn.secure ? 'tls' : 'plain'}\r\n`);
        else if (cmd === 'QUIT') return conn.end('+OK bye\r\n');
        else await conn.write(`-ERR ${cmd}\r\n`);
      }
    };
    listeners = await startListeners({
      protocol: 'pop3', bindAddress: '127.0.0.1', plainPort: 0, tlsPort: 0, tls: material, limits, log: silentLogger(),
      onConnection: (conn, starttls) => { void session(conn, starttls); },
      tooManyLine: '-ERR [SYS/TEMP] too many\r\n', goodbyeLine: '-ERR [SYS/TEMP] bye\r\n',
    });
  });

  after(async () => {
    await listeners.close();
    material.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('STARTTLS upgrades in place; commands sent in clear after it are discarded', async () => {
    const c = net.connect(listeners.plainPort!, '127.0.0.1');
    const l = lines(c);
    assert.equal(await l.next(), '+OK hello plain');
    // "WHO" right behind STARTTLS, in clear: an injection the server must not run over TLS.
    c.write('STARTTLS\r\nWHO\r\n');
    assert.equal(await l.next(), '+OK go');
    const t = tls.connect({ socket: c, rejectUnauthorized: false });
    await new Promise<void>((resolve) => t.once('secureConnect', () => resolve()));
    const lt = lines(t);
    assert.equal(await lt.next(), '+OK discarded 5');
    t.write('WHO\r\n');
    assert.equal(await lt.next(), '+OK tls');
    t.write('QUIT\r\n');
    assert.equal(await lt.next(), '+OK bye');
    t.destroy();
  });

  test('implicit TLS from the first byte; no STARTTLS there', async () => {
    const t = tls.connect({ port: listeners.tlsPort!, host: '127.0.0.1', rejectUnauthorized: false });
    const l = lines(t);
    assert.equal(await l.next(), '+OK hello tls');
    t.write('STARTTLS\r\n');
    assert.equal(await l.next(), '-ERR STARTTLS');
    t.destroy();
  });

  test('per-address maximum: the next connection is told so and closed; a slot frees on close', async () => {
    await waitFor(() => listeners.connections.size === 0);
    const a = net.connect(listeners.plainPort!, '127.0.0.1');
    const b = net.connect(listeners.plainPort!, '127.0.0.1');
    assert.equal(await lines(a).next(), '+OK hello plain');
    assert.equal(await lines(b).next(), '+OK hello plain');
    const c = net.connect(listeners.plainPort!, '127.0.0.1');
    assert.equal(await lines(c).next(), '-ERR [SYS/TEMP] too many');
    await new Promise((resolve) => c.once('close', resolve));
    a.destroy();
    await waitFor(() => limits.count('address', '127.0.0.1') === 1);
    const d = net.connect(listeners.plainPort!, '127.0.0.1');
    assert.equal(await lines(d).next(), '+OK hello plain');
    b.destroy();
    d.destroy();
  });
});

test('close(): open sessions get the goodbye line and the port stops accepting', async () => {
  const limits = new ConnectionLimits({ maxPerAccount: 5, maxPerAddress: 5 });
  const ls = await startListeners({
    protocol: 'imap', bindAddress: '127.0.0.1', plainPort: 0, tlsPort: null, tls: null, limits, log: silentLogger(),
    onConnection: (conn) => { void conn.write('* OK hi\r\n'); },
    tooManyLine: '* BYE too many\r\n', goodbyeLine: '* BYE shutting down\r\n',
  });
  assert.equal(ls.tlsPort, null);
  const c = net.connect(ls.plainPort!, '127.0.0.1');
  const l = lines(c);
  assert.equal(await l.next(), '* OK hi');
  const closed = ls.close();
  assert.equal(await l.next(), '* BYE shutting down');
  await closed;
  await assert.rejects(new Promise((resolve, reject) => {
    const x = net.connect(ls.plainPort!, '127.0.0.1', () => resolve(x));
    x.on('error', reject);
  }));
  c.destroy();
});
