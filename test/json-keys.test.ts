// One style of JSON key (issue 17 part 5): the admin API (and so the CLI's `--json`, which prints the API's
// answer) names its fields in camelCase, except Carbonio's own names where Carbonio's output defines them
// (carbonio-features.md: GetDeviceStatus's friendly_name, os_language, phone_number; getServices's
// could_start...; ABQ list's device_id; the credential's text_data/auth_method; setABQMessage's fields). This
// walks the answers of the main list and get endpoints, with data in every list, and fails on any other key.
// Values that are data keyed by name (policy settings, audit details) are not field names and are skipped.
// The CLI's text names its fields as its `--json` does; and `-v` is `verbose true` (zmprov's flag) where a
// command has verbose (carbonio-features.md 3.1: getDeviceInfo, getAllDevices; zmprov: getAllAccounts,
// getAllDomains).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { el, ns } from '../src/eas/wbxml/index.js';
import { adminCall, basic, startTestApp, type TestApp } from './helpers/app.js';
import { ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';

/** Carbonio's own snake_case (or other) output names, kept as Carbonio prints them. */
export const CARBONIO_NAMES: ReadonlySet<string> = new Set([
  // GetDeviceStatus <device> attributes (carbonio-features.md 4.2)
  'friendly_name', 'os_language', 'phone_number',
  // getServices (3.6)
  'could_start', 'could_stop', 'could_not_start_because',
  // ABQ list and the ABQ SOAP reply (3.5, 4.3)
  'device_id',
  // setABQMessage / getABQMessage fields (3.5)
  'reply_to', 'body_plain', 'body_html',
  // credential add/list (2.3)
  'text_data', 'auth_method',
]);

const camel = /^[a-z][a-zA-Z0-9]*$/;

/** Paths whose object's keys are data (names of settings, ...), not field names: their values are still walked. */
const DATA_MAPS = [/^audit\.entries\[\]\.details$/, /^self-oof\./];

/** Every key that is neither camelCase nor a Carbonio name, with where it was found. */
export function badKeys(v: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(v)) {
    for (const x of v) badKeys(x, `${at}[]`, out);
  } else if (typeof v === 'object' && v !== null) {
    const data = DATA_MAPS.some((r) => r.test(at));
    for (const [k, x] of Object.entries(v)) {
      if (!data && !camel.test(k) && !CARBONIO_NAMES.has(k)) out.push(`${at}.${k}`);
      badKeys(x, `${at}.${k}`, out);
    }
  }
  return out;
}

const s = ns('Settings');
const joe = { email: 'joe@a.test', password: 'joe-pass-12' };
const DEVICE = 'SEC1A2B3C4D';
/** Joe's mobile password: once he has one, his account password no longer works for ActiveSync. */
const EAS_PASSWORD = 'joe-eas-pass-345';

describe('JSON keys of the admin API and the CLI', () => {
  let app: TestApp;
  /** Bad keys in the answers of the changes made to set up. */
  const changes: string[] = [];

  before(async () => {
    app = await startTestApp();
    const setup: Array<[string, string, unknown]> = [
      ['POST', '/domains', { name: 'a.test' }],
      ['POST', '/accounts', { ...joe, displayName: 'Joe' }],
      ['POST', '/accounts/joe@a.test/credentials', { label: 'phone', services: ['EAS'], password: EAS_PASSWORD }],
      ['POST', '/eas-filters', { type: 'contains', parameter: 'outlook/', mode: 'fixed', versions: ['14.0'], blocking: true }],
      ['POST', '/mobile/loggers', { account: joe.email, level: 'debug', file: `${app.dataDir}/logs/joe.log`, windowSize: 1 }],
      ['PUT', '/abq/devices/ANDROIDC1', { status: 'Blocked' }],
      ['PUT', '/abq/rules', { regex: '^Outlook', status: 'Quarantined', order: 1 }],
      ['PUT', '/abq/messages', { kind: 'blocked', locale: 'default', subject: 'Blocked', reply_to: 'it@a.test' }],
    ];
    for (const [method, path, body] of setup) {
      const r = await adminCall(app, method, path, body);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      badKeys(r.json, `${method} ${path}`, changes);
    }
    const r = await easRequest(app, {
      cmd: 'Settings', user: joe.email, password: EAS_PASSWORD, deviceId: DEVICE, deviceType: 'SAMSUNGSMS918B', version: '14.1',
      headers: { 'user-agent': 'Android-SAMSUNG-SM-S918B/101.400' },
      body: el('Settings:Settings', s('DeviceInformation', s('Set', s('Model', 'SM-S918B'), s('FriendlyName', 'Joe'), s('OS', 'Android 14'),
        s('OSLanguage', 'English'), s('PhoneNumber', '+15550100'), s('MobileOperator', 'Fabrikam'), s('EnableOutboundSMS', '1')))),
    });
    assert.equal(r.status, 200);
    const wipe = await adminCall(app, 'POST', `/accounts/joe@a.test/devices/${DEVICE}/wipe`, { confirm: true });
    assert.ok(wipe.status < 300);
    badKeys(wipe.json, 'POST wipe', changes);
    // A failed login, so that the lockout list has something.
    assert.equal((await easRequest(app, { cmd: 'FolderSync', user: joe.email, password: 'wrong-password', deviceId: DEVICE, deviceType: 'SAMSUNGSMS918B' })).status, 401);
  });
  after(() => app.stop());

  const admin: Array<[string, string]> = [
    ['domains', '/domains'],
    ['accounts', '/accounts'],
    ['account', '/accounts/joe@a.test'],
    ['credentials', '/accounts/joe@a.test/credentials'],
    ['devices', '/accounts/joe@a.test/devices'],
    ['deviceInfo', `/accounts/joe@a.test/devices/${DEVICE}?verbose=true`],
    ['allDevices', '/devices'],
    ['wipe', `/accounts/joe@a.test/devices/${DEVICE}/wipe`],
    ['folders', '/accounts/joe@a.test/folders'],
    ['services', '/mobile/services'],
    ['filters', '/eas-filters'],
    ['loggers', '/mobile/loggers'],
    ['audit', '/audit'],
    ['abqDevices', '/abq/devices'],
    ['abqRules', '/abq/rules'],
    ['abqMessages', '/abq/messages?kind=blocked&locale=all'],
    ['abqInterval', '/abq/notification-interval'],
    ['jails', '/antidos/jails'],
    ['lockouts', '/auth/lockouts'],
    ['sessions', '/sessions'],
    ['config', '/config/global'],
    ['provisioning', '/provisioning/account/joe@a.test'],
    ['backups', '/backup'],
  ];
  const self: Array<[string, string]> = [
    ['self-devices', '/devices'],
    ['self-device', `/devices/${DEVICE}?verbose=true`],
    ['self-credentials', '/credentials'],
    ['self-oof', '/oof'],
  ];

  /** The lists the setup filled (sessions, jails and backups stay empty: their views are checked by their own tests). */
  const FILLED: Record<string, string> = {
    domains: 'domains', accounts: 'accounts', credentials: 'credentials', devices: 'devices', allDevices: 'devices', folders: 'folders',
    services: 'services', filters: 'filters', loggers: 'loggers', audit: 'entries', abqDevices: 'devices', abqRules: 'rules',
    abqMessages: 'messages', lockouts: 'lockouts', config: 'settings', provisioning: 'settings',
  };

  test('every key of the main list and get answers is camelCase or a Carbonio name', async () => {
    const bad: string[] = [];
    for (const [name, path] of admin) {
      const r = await adminCall(app, 'GET', path);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      const list = FILLED[name];
      if (list !== undefined) assert.ok(Array.isArray(r.json[list]) && r.json[list].length > 0, `${path}: no ${list} to walk`);
      badKeys(r.json, name, bad);
    }
    for (const [name, path] of self) {
      const res = await fetch(`${app.baseUrl}/api/self${path}`, { headers: { authorization: basic(joe.email, joe.password) } });
      assert.equal(res.status, 200, path);
      badKeys(await res.json(), name, bad);
    }
    assert.deepEqual(bad, []);
    assert.deepEqual(changes, []);
  });

  test('the walk finds what it should', () => {
    assert.deepEqual(badKeys({ ok: 1, list: [{ snake_case: 1, friendly_name: 'x' }], nested: { Upper: { a_b: 2 } } }, 'x'),
      ['x.list[].snake_case', 'x.nested.Upper', 'x.nested.Upper.a_b']);
  });
  /** The field names of a Carbonio-style text tree: the first word of every line. */
  const textKeys = (lines: readonly string[]): Set<string> =>
    new Set(lines.filter((l) => l.trim() !== '' && !/^ *no [a-z ]+$/.test(l)).map((l) => l.trim().split(' ')[0]!));
  const jsonKeys = (v: unknown, out = new Set<string>()): Set<string> => {
    if (Array.isArray(v)) for (const x of v) jsonKeys(x, out);
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) jsonKeys(x, out.add(k));
    return out;
  };
  /** Names Carbonio's text output has and the API has not: block headers and Carbonio's own labels. */
  const TEXT_ONLY = new Set(['list', 'ID', 'remove']);

  test('the CLI prints the same field names in text as in --json', async () => {
    const commands = [
      ['mobile', 'getDeviceList', joe.email],
      ['mobile', 'getDeviceInfo', joe.email, DEVICE, 'verbose', 'true'],
      ['mobile', 'getAllDevices', 'verbose', 'true'],
      ['mobile', 'getAllEASFilters'],
      ['mobile', 'getAccountLoggers'],
      ['mobile', 'ABQ', 'list'],
      ['mobile', 'ABQ', 'listRules'],
      ['mobile', 'getABQMessage', 'global', 'blocked', 'all'],
      ['auth', 'credential', 'list', joe.email],
      ['auth', 'lockout', 'list', 'account', joe.email],
      ['audit', 'list', 'limit', '5'],
      ['prov', 'getAccount', joe.email],
      ['prov', 'getAllAccounts', '-v'],
    ];
    const differ: string[] = [];
    for (const words of commands) {
      const text = ok(await runCli(app, words));
      const json = jsonKeys(JSON.parse((await runCli(app, [...words, '--json'])).stdout));
      for (const k of textKeys(text)) if (!json.has(k) && !TEXT_ONLY.has(k)) differ.push(`${words.join(' ')}: ${k}`);
    }
    assert.deepEqual(differ, []);
  });

  test('-v is verbose true: getDeviceInfo, getAllDevices, getAllAccounts, getAllDomains', async () => {
    const info = ok(await runCli(app, ['mobile', 'getDeviceInfo', '-v', joe.email, DEVICE]));
    assert.deepEqual(info, ok(await runCli(app, ['mobile', 'getDeviceInfo', joe.email, DEVICE, 'verbose', 'true'])));
    assert.ok(info.includes('    userAgentHistory') && info.some((l) => l.startsWith('    sync ')), info.join('\n'));
    assert.ok(!ok(await runCli(app, ['mobile', 'getDeviceInfo', joe.email, DEVICE])).includes('    userAgentHistory'));
    const all = ok(await runCli(app, ['mobile', 'getAllDevices', '-v']));
    assert.deepEqual(all, ok(await runCli(app, ['mobile', 'getAllDevices', 'verbose', 'true'])));
    assert.ok(all.includes('    friendly_name Joe') && !ok(await runCli(app, ['mobile', 'getAllDevices'])).includes('    friendly_name Joe'));
    // zmprov: gaa lists emails; gaa -v every field of each account, as getAccount prints it.
    assert.deepEqual(ok(await runCli(app, ['prov', 'gaa', 'a.test'])), [joe.email]);
    assert.deepEqual(ok(await runCli(app, ['prov', 'gaa', '-v', 'a.test'])), ok(await runCli(app, ['prov', 'getAccount', joe.email])));
    const accounts = ok(await runCli(app, ['prov', 'gaa', '-v']));
    assert.equal(accounts.filter((l) => l.startsWith('email ')).length, 2, accounts.join('\n'));
    assert.equal(accounts.filter((l) => l === '').length, 1, 'one empty line between the two accounts');
    const domains = ok(await runCli(app, ['prov', 'gad', '-v']));
    assert.ok(domains.includes('name a.test') && domains.some((l) => /^createdAt \d{4}-\d\d-\d\dT/.test(l)), domains.join('\n'));
    assert.equal((await runCli(app, ['prov', 'gad', '-v', 'verbose', 'true'])).code, 2);
  });
});
