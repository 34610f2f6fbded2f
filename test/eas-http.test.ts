// The ActiveSync HTTP layer over a real socket: request line forms (MS-ASHTTP 2.2.1.1.1), OPTIONS,
// Basic auth through the mobile-password rules, version and size checks, and the access log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asDeviceId } from '../src/core/ids.js';
import { parseBase64Query, parseEasQuery, QueryError } from '../src/eas/query.js';
import { decode, el, encode } from '../src/eas/wbxml/index.js';
import type { Account } from '../src/store/types.js';
import { adminCall, basic, startTestApp, type TestApp } from './helpers/app.js';
import { until } from './helpers/wait.js';

const PATH = '/Microsoft-Server-ActiveSync';
const plain = (cmd: string, device = 'dev1') => `?Cmd=${cmd}&User=u&DeviceId=${device}&DeviceType=SmartPhone`;

describe('EAS request line', () => {
  test('the MS-ASHTTP base64 example decodes to what the spec says', () => {
    const q = parseBase64Query('jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l');
    assert.deepEqual(
      [q.form, q.cmd, q.protocolVersion, q.locale, q.deviceId, q.policyKey, q.deviceType],
      ['base64', 'Sync', '14.0', 0x0409, 'v140Device', null, 'SmartPhone'],
    );
  });

  test('base64: binary DeviceId becomes hex, policy key, parameters and options bits', () => {
    const deviceId = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]);
    const policy = Buffer.alloc(4);
    policy.writeUInt32LE(123456789);
    const param = (tag: number, v: string | Buffer) => { const b = Buffer.from(v); return Buffer.concat([Buffer.from([tag, b.length]), b]); };
    const bytes = Buffer.concat([
      Buffer.from([141, 3, 0x09, 0x04, deviceId.length]), deviceId, Buffer.from([4]), policy, Buffer.from([6]), Buffer.from('iPhone'),
      param(1, '5'), param(3, '5:12'), param(8, 'john'), param(7, Buffer.from([0x03])),
    ]);
    const q = parseEasQuery(bytes.toString('base64'), {});
    assert.deepEqual(
      [q.cmd, q.protocolVersion, q.deviceId, q.policyKey, q.deviceType, q.collectionId, q.itemId, q.user, q.saveInSent, q.acceptMultiPart],
      ['SmartReply', '14.1', 'deadbeef01', 123456789, 'iPhone', '5', '5:12', 'john', true, true],
    );
  });

  test('plain form with headers; malformed queries are refused', () => {
    const q = parseEasQuery('Cmd=Ping&User=a&DeviceId=ABC123&DeviceType=iPhone&SaveInSent=T', { version: '16.1', policyKey: '77' });
    assert.deepEqual([q.form, q.cmd, q.protocolVersion, q.policyKey, q.saveInSent], ['plain', 'Ping', '16.1', 77, true]);
    for (const bad of ['', 'Cmd=Sync&DeviceType=x', 'Cmd=Sync&DeviceId=a%20b&DeviceType=x', 'Cmd=S%3Bync&DeviceId=a&DeviceType=x', 'jAAJ', '!!!!']) {
      assert.throws(() => parseEasQuery(bad, {}), QueryError, bad);
    }
    assert.throws(() => parseEasQuery('Cmd=Sync&DeviceId=a&DeviceType=x', { policyKey: 'abc' }), QueryError);
    // A declared length past the end is refused, not read.
    assert.throws(() => parseBase64Query(Buffer.from([140, 0, 9, 4, 200, 1, 2]).toString('base64')), /truncated/);
  });
});

describe('EAS over HTTP', () => {
  let app: TestApp;
  let joe: Account;
  const pass = 'joe-account-pw1';

  const req = (method: string, query: string, auth: string | null, headers: Record<string, string> = {}, body?: Buffer) =>
    fetch(`${app.baseUrl}${PATH}${query}`, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), 'MS-ASProtocolVersion': '14.1', ...headers },
      ...(body ? { body } : {}),
    });
  /** OPTIONS needs a successful EAS login, so it shows the authentication outcome alone. */
  const easLogin = async (secret: string) => (await req('OPTIONS', '', basic(joe.email, secret))).status;

  before(async () => {
    app = await startTestApp();
    joe = await app.directory.createAccount({ email: 'joe@example.com', password: pass });
  });
  after(() => app.stop());

  test('OPTIONS advertises versions and commands after authentication', async () => {
    const unauth = await req('OPTIONS', '', null);
    assert.equal(unauth.status, 401);
    assert.match(unauth.headers.get('www-authenticate') ?? '', /^Basic realm="ActiveSync"/);
    const res = await req('OPTIONS', '', basic(joe.email, pass));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ms-asprotocolversions'), '2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    assert.ok(res.headers.get('ms-server-activesync'));
    assert.ok(res.headers.has('ms-asprotocolcommands'));
    assert.match(res.headers.get('allow') ?? '', /OPTIONS.*POST/);
  });

  test('the path is case-insensitive and GET answers an informative page', async () => {
    const lower = await fetch(`${app.baseUrl}/microsoft-server-activesync`, { method: 'OPTIONS', headers: { authorization: basic(joe.email, pass) } });
    assert.equal(lower.status, 200);
    const page = await fetch(`${app.baseUrl}${PATH}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /ActiveSync/);
  });

  test('the mobile-password truth table over EAS', async () => {
    assert.equal(await easLogin(pass), 200, 'account password accepted while there is no mobile password');
    const { credential, secret } = await app.directory.addCredential(joe, { label: 'Pixel' });
    assert.equal(await easLogin(pass), 401, 'account password refused once a mobile password exists');
    assert.equal(await easLogin(secret), 200, 'mobile password accepted');
    await adminCall(app, 'PATCH', `/accounts/joe@example.com/credentials/${credential.id}`, { enabled: false });
    assert.equal(await easLogin(secret), 401, 'disabled mobile password refused at once');
    assert.equal(await easLogin(pass), 200, 'with no enabled mobile password the account password works again');
    await adminCall(app, 'PATCH', `/accounts/joe@example.com/credentials/${credential.id}`, { enabled: true });
    assert.equal(await easLogin(secret), 200);
    await adminCall(app, 'DELETE', `/accounts/joe@example.com/credentials/${credential.id}`);
    assert.equal(await easLogin(secret), 401, 'deleted mobile password refused at once');
    const imap = await app.directory.addCredential(joe, { services: ['IMAP'] });
    assert.equal(await easLogin(imap.secret), 401, 'a credential for another service is refused');
    const line = app.logs.find((l) => l.includes('"event":"eas-auth-failure"'));
    assert.ok(line?.includes('"remote":"127.0.0.1"') && line.includes('joe@example.com'), 'fail2ban-style line with account and address');
    assert.ok(!app.logs.join('\n').includes(secret), 'the secret is not logged');
  });

  test('the User in the query never selects another account', async () => {
    const res = await req('OPTIONS', plain('Sync').replace('User=u', 'User=admin%40example.com'), basic(joe.email, pass));
    assert.equal(res.status, 200);
    const logged = await req('POST', plain('FolderSync').replace('User=u', 'User=admin'), basic(joe.email, pass));
    assert.equal(logged.status, 200);
    assert.ok(app.logs.some((l) => l.includes('"cmd":"FolderSync"') && l.includes('"account":"joe@example.com"')));
  });

  test('unsupported version, bad query, unknown command, too large body', async () => {
    const v = await req('POST', plain('Settings'), basic(joe.email, pass), { 'MS-ASProtocolVersion': '13.0' });
    assert.equal(v.status, 400);
    assert.equal(v.headers.get('ms-asprotocolversions'), '2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    assert.equal((await req('POST', '?Cmd=Sync&DeviceId=bad%20id&DeviceType=x', basic(joe.email, pass))).status, 400);
    assert.equal((await req('POST', plain('Frobnicate'), basic(joe.email, pass))).status, 501);
    // A real command this server does not implement: Status 137 in its root on 14.x, 501 before.
    const find = await req('POST', plain('ValidateCert'), basic(joe.email, pass));
    assert.equal(find.status, 200);
    assert.deepEqual(decode(Buffer.from(await find.arrayBuffer())), el('ValidateCert:ValidateCert', el('ValidateCert:Status', '137')));
    assert.equal((await req('POST', plain('ValidateCert'), basic(joe.email, pass), { 'MS-ASProtocolVersion': '12.1' })).status, 501);
    assert.equal((await req('POST', plain('Sync'), null)).status, 401);
  });

  test('DeviceIds with - and _ (as real clients send them) are accepted and kept apart', async () => {
    for (const id of ['androidc1234-5678_9', '3A4F2B1C-0D9E-4C33-9D11-ABCDEF012345', 'a_b']) {
      const res = await req('POST', plain('FolderSync', id), basic(joe.email, pass), {}, encode(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0'))));
      assert.equal(res.status, 200, id);
      assert.ok(await app.store.devices.get(joe.id, asDeviceId(id)), `device ${id} recorded`);
    }
    for (const bad of ['a.b', 'a%20b', 'a%2Fb', 'x'.repeat(65), 'a+b', 'caf%C3%A9']) {
      assert.equal((await req('POST', plain('FolderSync', bad), basic(joe.email, pass))).status, 400, bad);
    }
  });

  test('an unparsable query is a 400 with one info line, before authentication, and no error log', async () => {
    const before = app.logs.length;
    for (const q of ['?%%%', '?%E0%A4%A', '?Cmd=Sync&DeviceId=%%%&DeviceType=x', '?%']) {
      const res = await req('POST', q, null);
      assert.equal(res.status, 400, q);
    }
    await until(() => app.logs.slice(before).filter((l) => l.includes('"msg":"eas"')).length >= 4, 'the access lines');
    const lines = app.logs.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
    assert.equal(lines.filter((l) => l.level >= 50).length, 0, 'nothing at error level');
    assert.ok(lines.every((l) => l.err === undefined), 'no stack traces');
    assert.equal(lines.filter((l) => l.msg === 'eas').length, 4, 'one access line per request');
    assert.ok(lines.filter((l) => l.msg === 'eas').every((l) => l.level === 30), 'at info level');
  });

  test('malformed WBXML gets 400 and is logged; the process keeps serving', async () => {
    for (const bad of [Buffer.from([3, 1, 0x6a, 0, 0x45, 0x46]), Buffer.from([3, 1, 0x6a, 0, 0x00, 0x63, 0x45]), Buffer.from('not wbxml at all')]) {
      const res = await req('POST', plain('Settings'), basic(joe.email, pass), { 'content-type': 'application/vnd.ms-sync.wbxml' }, bad);
      assert.equal(res.status, 400);
    }
    assert.ok(app.logs.some((l) => l.includes('malformed WBXML')));
    assert.equal((await req('OPTIONS', '', basic(joe.email, pass))).status, 200);
  });

  test('gzip when the client asks for it', async () => {
    const big = 'Away on holiday. '.repeat(200);
    const set = encode(el('Settings:Settings', el('Settings:Oof', el('Settings:Set', el('Settings:OofState', '1'),
      el('Settings:OofMessage', el('Settings:AppliesToInternal'), el('Settings:Enabled', '1'), el('Settings:ReplyMessage', big), el('Settings:BodyType', 'Text'))))));
    assert.equal((await req('POST', plain('Settings'), basic(joe.email, pass), {}, set)).status, 200);
    const get = encode(el('Settings:Settings', el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text')))));
    const res = await req('POST', plain('Settings'), basic(joe.email, pass), { 'accept-encoding': 'gzip' }, get);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    // fetch undoes the gzip: the body is the WBXML again.
    assert.ok(JSON.stringify(decode(Buffer.from(await res.arrayBuffer()))).includes('Away on holiday.'));
    const plainRes = await req('POST', plain('Settings'), basic(joe.email, pass), { 'accept-encoding': 'identity' }, get);
    assert.equal(plainRes.headers.get('content-encoding'), null);
  });

  test('an account with mobile sync disabled gets 403', async () => {
    await adminCall(app, 'PATCH', '/accounts/joe@example.com', { mobileSyncEnabled: false });
    assert.equal((await req('POST', plain('Settings'), basic(joe.email, pass))).status, 403);
    await adminCall(app, 'PATCH', '/accounts/joe@example.com', { mobileSyncEnabled: true });
  });

  test('a body without the command\'s root element, or none where one is needed, gets the command\'s invalid-request Status', async () => {
    const post = async (cmd: string, body?: Buffer) => {
      const res = await req('POST', plain(cmd), basic(joe.email, pass), {}, body);
      assert.equal(res.status, 200, cmd);
      return decode(Buffer.from(await res.arrayBuffer()));
    };
    const wrongRoot = encode(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    assert.deepEqual(await post('Settings', wrongRoot), el('Settings:Settings', el('Settings:Status', '2')));
    assert.deepEqual(await post('Search', wrongRoot), el('Search:Search', el('Search:Status', '2')));
    assert.deepEqual(await post('MoveItems'), el('Move:MoveItems', el('Move:Status', '103')));
    assert.deepEqual(await post('FolderSync'), el('FolderHierarchy:FolderSync', el('FolderHierarchy:Status', '10')));
    // Ping may come without a body (it reuses the last one): with nothing to reuse that is Status 3, not a syntax error.
    assert.deepEqual(await post('Ping'), el('Ping:Ping', el('Ping:Status', '3')));
    assert.deepEqual(await post('Ping', wrongRoot), el('Ping:Ping', el('Ping:Status', '4')));
  });

  test('a store that is briefly away: 503 with Retry-After, Sync Status 16, then service as usual', async () => {
    const driverError = () => Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    const folderSync = () => req('POST', plain('FolderSync', 'away1'), basic(joe.email, pass), {}, encode(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0'))));
    const sync = () => req('POST', plain('Sync', 'away1'), basic(joe.email, pass), {}, encode(el('AirSync:Sync', el('AirSync:Collections',
      el('AirSync:Collection', el('AirSync:SyncKey', '0'), el('AirSync:CollectionId', '1'))))));
    assert.equal((await folderSync()).status, 200);
    const before = app.logs.length;
    // Injected in the store's repositories, below the translation of driver errors.
    const mailbox = app.store.mailbox as unknown as Record<string, unknown>;
    const deviceState = app.store.deviceState as unknown as Record<string, unknown>;
    mailbox.listFolders = driverError;
    mailbox.getFolder = driverError;
    deviceState.getCollection = driverError;
    try {
      const fs = await folderSync();
      assert.equal(fs.status, 503);
      assert.equal(fs.headers.get('retry-after'), '30');
      const s = await sync();
      assert.equal(s.status, 200);
      // The collection's store read fails: Status 16 (retry) for that collection (MS-ASCMD 2.2.3.177.17).
      assert.deepEqual(decode(Buffer.from(await s.arrayBuffer())), el('AirSync:Sync', el('AirSync:Collections',
        el('AirSync:Collection', el('AirSync:SyncKey', '0'), el('AirSync:CollectionId', '1'), el('AirSync:Status', '16')))));
    } finally {
      delete mailbox.listFolders;
      delete mailbox.getFolder;
      delete deviceState.getCollection;
    }
    assert.equal((await folderSync()).status, 200);
    assert.equal((await sync()).status, 200);
    await until(() => app.logs.slice(before).filter((l) => l.includes('"msg":"eas"')).length >= 4, 'the access lines');
    const lines = app.logs.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string; error?: string });
    assert.ok(lines.some((l) => l.msg === 'eas' && l.error === 'store unavailable'), 'the 503 is explained in the access line');
    assert.equal(lines.filter((l) => l.level >= 50).length, 0, 'not logged as a server error');
  });

  test('one access-log line per request with account, device, command, version, status, time and bytes', () => {
    const line = app.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'eas-request' && l.cmd === 'FolderSync');
    assert.ok(line);
    for (const k of ['account', 'deviceId', 'cmd', 'version', 'status', 'ms', 'bytesIn', 'bytesOut']) assert.ok(k in line, k);
  });
});

describe('EAS request size limit', () => {
  test('a body over CARBONIO_EAS_MAX_REQUEST_BYTES gets 413 and changes nothing', async () => {
    const app = await startTestApp({ env: { CARBONIO_EAS_MAX_REQUEST_BYTES: '4096' } });
    try {
      const res = await fetch(`${app.baseUrl}${PATH}${plain('Sync')}`, {
        method: 'POST', body: Buffer.alloc(10_000, 0x41),
        headers: { authorization: basic(app.admin.email, app.admin.password), 'MS-ASProtocolVersion': '14.1', 'content-type': 'application/vnd.ms-sync.wbxml' },
      });
      assert.equal(res.status, 413);
      const admin = (await app.store.accounts.getByEmail(app.admin.email))!;
      assert.deepEqual(await app.store.devices.list(admin.id), []);
    } finally {
      await app.stop();
    }
  });
});
