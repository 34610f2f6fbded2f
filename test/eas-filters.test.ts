// EAS version filters (issue 15 part 2, `carbonio mobile getAllEASFilters|doAddEASFilter|doDeleteEASFilter|
// doMoveEASFilter`): the rules, modes and evaluation order on their own; then on the wire: the seeded
// Outlook filter caps OPTIONS, version refusals and FolderSync 0's headers at 14.0 and can be deleted (and
// stays deleted when the store is opened again); a filter capping one user agent at 14.0 refuses its 16.1
// requests with 400 while other agents keep 16.1; account and domain filters; blocking; move; a filter
// that would empty the set is skipped; the CLI's output; bad input; delegated admins refused; with two server
// processes on one PostgreSQL database, a filter added through one applies there at once and on the other
// within the cache's TTL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compileRule, describeRule, parseRule } from '../src/devices/eas-filter-rules.js';
import {
  CACHE_TTL_MS, compileFilter, easFilters, evaluate, invalidateEasFilters, KNOWN_VERSIONS, parseVersions, type CompiledFilter,
} from '../src/devices/eas-filters.js';
import { el } from '../src/eas/wbxml/index.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import type { EasFilterRecord, EasFilterRepo } from '../src/store/types.js';
import { adminCall, basic, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { easRequest } from './helpers/eas-client.js';
import { nodeAdminCall, startNode, type NodeProcess } from './helpers/node-process.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { until } from './helpers/wait.js';

const ALL = KNOWN_VERSIONS.join(',');
const DEFAULT_RULE = '[type = or; rules = [[type = contains; rule = outlook/] OR [type = contains; rule = microsoft.outlook]]]';

let nextId = 1;
/** A compiled filter as the store would hand it over. */
function filter(type: string, parameter: string, mode: string, versions: string, blocking = false): CompiledFilter {
  const rec: EasFilterRecord = {
    id: nextId++, position: 0, rule: JSON.stringify(parseRule(type, parameter)), mode, versions: parseVersions(versions), blocking, createdAt: 0,
  };
  const f = compileFilter(rec);
  assert.ok(f);
  return f;
}
const offered = (filters: CompiledFilter[], userAgent: string, email = 'ann@a.test', configured: readonly string[] = KNOWN_VERSIONS) =>
  evaluate(filters, configured, { userAgent, email }).versions.join(',');

describe('EAS filter rules and evaluation', () => {
  test('rules: the parameter grammar, case-insensitive matching, Carbonio\'s rendering', () => {
    const or = parseRule('OR', 'contains:outlook/,contains:microsoft.outlook');
    assert.equal(describeRule(or), DEFAULT_RULE);
    const who = (agent: string, email = 'ann@a.test') => ({ agent: agent.toLowerCase(), email, domain: email.split('@')[1] ?? '' });
    assert.ok(compileRule(or)(who('Microsoft.Outlook/16.0')));
    assert.ok(!compileRule(or)(who('Outlook-iOS-Android/1.0')));
    const and = parseRule('and', 'regex:^iPhone\\d+C\\d+,domain:A.TEST,contains:a\\,b');
    assert.equal(describeRule(and), '[type = and; rules = [[type = regex; rule = ^iPhone\\d+C\\d+] AND [type = domain; rule = a.test] AND [type = contains; rule = a,b]]]');
    assert.ok(compileRule(and)(who('IPHONE12C1 a,b')));
    assert.ok(!compileRule(and)(who('IPHONE12C1 a,b', 'bob@b.test')));
    assert.ok(compileRule(parseRule('account', 'Ann@A.test'))(who('x')));
    assert.equal(describeRule(parseRule('always', '*')), '[type = always]');
    assert.throws(() => parseRule('regex', '(unclosed'), /invalid regular expression "\(unclosed"/);
    assert.throws(() => parseRule('starts', 'x'), /unknown rule type "starts" \(known: and, or, regex, contains, account, domain, always\)/);
    assert.throws(() => parseRule('or', 'contains:x'), /at least two comma-separated sub-rules/);
    assert.throws(() => parseRule('or', 'contains:x,outlook'), /sub-rule "outlook" must be type:value/);
    assert.throws(() => parseRule('account', 'ann'), /not an account address/);
    assert.throws(() => parseRule('domain', 'not a domain'), /not a domain name/);
    assert.throws(() => parseRule('always', 'x'), /takes "\*"/);
    assert.throws(() => parseVersions('14.0,17.0'), /unknown EAS version "17.0" \(known: 2.5,12.0,12.1,14.0,14.1,16.0,16.1\)/);
    assert.deepEqual(parseVersions(' 16.1, 2.5,16.1'), ['2.5', '16.1']);
  });

  test('modes, order, blocking, and a filter that would empty the set', () => {
    assert.equal(offered([filter('contains', 'capped', 'limit', '14.0')], 'CappedPhone/1'), '2.5,12.0,12.1,14.0');
    assert.equal(offered([filter('contains', 'capped', 'limit', '14.0')], 'Other/1'), ALL);
    assert.equal(offered([filter('always', '*', 'subtract', '2.5,16.0')], 'x'), '12.0,12.1,14.0,14.1,16.1');
    assert.equal(offered([filter('always', '*', 'fixed', '12.1,14.1')], 'x'), '12.1,14.1');
    // add may offer a version CARBONIO_EAS_VERSIONS left out: the server speaks all seven.
    assert.equal(offered([filter('always', '*', 'add', '12.1')], 'x', 'a@b.test', ['14.1', '16.1']), '12.1,14.1,16.1');
    // limit keeps the set's versions up to the highest given, whatever else it lists.
    assert.equal(offered([filter('always', '*', 'limit', '2.5,14.1')], 'x'), '2.5,12.0,12.1,14.0,14.1');
    const capAll = filter('always', '*', 'limit', '12.1');
    const fooBlocking = filter('contains', 'foo', 'add', '16.1', true);
    const fooOpen = filter('contains', 'foo', 'add', '16.1', false);
    assert.equal(offered([fooBlocking, capAll], 'Foo/1'), ALL, 'blocking stops before the cap');
    assert.equal(offered([fooOpen, capAll], 'Foo/1'), '2.5,12.0,12.1', 'a non-blocking match goes on');
    assert.equal(offered([capAll, fooBlocking], 'Foo/1'), '2.5,12.0,12.1,16.1', 'order decides');
    const emptyAll = filter('always', '*', 'subtract', ALL, true);
    const r = evaluate([filter('account', 'ann@a.test', 'fixed', '12.1'), emptyAll, filter('always', '*', 'add', '16.1')], KNOWN_VERSIONS, { userAgent: 'x', email: 'ann@a.test' });
    assert.deepEqual(r, { versions: ['12.1', '16.1'], skipped: [emptyAll.id] }, 'skipped, and its blocking does not stop evaluation');
    assert.equal(offered([filter('domain', 'b.test', 'fixed', '14.0')], 'x', 'Bob@B.test'), '14.0');
  });

  test('the filter list is cached per store for the TTL, concurrent misses share one read, invalidation rereads', async () => {
    let reads = 0;
    const rows: EasFilterRecord[] = [{ id: 0, position: 0, rule: '{"type":"always"}', mode: 'fixed', versions: ['14.0'], blocking: true, createdAt: 0 }];
    const repo = { list: () => { reads++; return Promise.resolve(rows); } } as unknown as EasFilterRepo;
    const holder = { easFilters: repo };
    await Promise.all([easFilters(holder, 1000), easFilters(holder, 1000)]);
    assert.equal(reads, 1);
    await easFilters(holder, 1000 + CACHE_TTL_MS - 1);
    assert.equal(reads, 1);
    rows.push({ id: 1, position: 1, rule: 'not json', mode: 'fixed', versions: ['14.0'], blocking: false, createdAt: 0 });
    assert.equal((await easFilters(holder, 1000 + CACHE_TTL_MS)).length, 1, 'an unreadable row is left out');
    assert.equal(reads, 2);
    invalidateEasFilters(holder);
    await easFilters(holder, 1000 + CACHE_TTL_MS);
    assert.equal(reads, 3);
  });
});

describe('the seeded Outlook filter is stored once', () => {
  test('deleted, it does not come back when the store is opened again (SQLite and PostgreSQL)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-filters-'));
    const pg = pgUrl ? await createTempPgDatabase() : null;
    try {
      const locations = [{ kind: 'sqlite' as const, file: path.join(dir, 'db.sqlite') }, ...(pg ? [{ kind: 'postgres' as const, url: pg.url }] : [])];
      for (const loc of locations) {
        let store = await SqlStore.open(loc);
        const [seeded, ...rest] = await store.easFilters.list();
        assert.deepEqual(rest, []);
        assert.deepEqual({ ...seeded, createdAt: 0 }, {
          id: 0, position: 0, mode: 'fixed', versions: ['14.0'], blocking: true, createdAt: 0,
          rule: JSON.stringify({ type: 'or', rules: [{ type: 'contains', value: 'outlook/' }, { type: 'contains', value: 'microsoft.outlook' }] }),
        });
        const added = await store.easFilters.add({ rule: '{"type":"always"}', mode: 'limit', versions: ['14.1'], blocking: false, createdAt: 1 });
        assert.deepEqual([added.id, added.position], [1, 1], `${loc.kind}: IDs go on after the seeded 0`);
        assert.equal((await store.easFilters.delete(0))?.id, 0);
        assert.equal(await store.easFilters.delete(0), null);
        await store.close();
        store = await SqlStore.open(loc);
        assert.deepEqual((await store.easFilters.list()).map((f) => [f.id, f.position]), [[1, 0]], `${loc.kind}: not re-added, positions dense`);
        await assert.rejects(store.easFilters.move(0, 1), /position to 1 out of range: positions are 0 to 0/);
        await store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await pg?.drop();
    }
  });
});

const ann = { email: 'ann@a.test', password: 'ann-password-1' };
const bob = { email: 'bob@b.test', password: 'bob-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };
const OUTLOOK = 'Microsoft.Outlook/16.0 (Windows NT 10.0)';
const CAPPED = 'CappedPhone/2.0';
const PLAIN = 'Apple-iPhone15C2/2101.27';

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`EAS version filters on the wire (${backend})`, () => {
  let app: TestApp;

  /** OPTIONS as this user agent: the status and MS-ASProtocolVersions. */
  const options = async (userAgent: string, who = ann) => {
    const res = await fetch(`${app.baseUrl}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS', headers: { authorization: basic(who.email, who.password), 'user-agent': userAgent } });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    return res.headers.get('ms-asprotocolversions');
  };
  /** FolderSync from key 0 in this version as this user agent. */
  const folderSync = (userAgent: string, version: string, who = ann) => easRequest(app, {
    cmd: 'FolderSync', user: who.email, password: who.password, deviceId: `D${userAgent.replace(/\W/g, '').slice(0, 20)}`, version,
    headers: { 'user-agent': userAgent }, body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
  });
  const cli = (...args: string[]) => runCli(app, ['mobile', ...args]);
  const ids = async () => ((await adminCall(app, 'GET', '/eas-filters')).json.filters as { id: number }[]).map((f) => f.id);
  const clear = async () => {
    for (const id of await ids()) assert.equal((await adminCall(app, 'DELETE', `/eas-filters/${id}`)).status, 200);
  };

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [ann, bob, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    assert.equal((await adminCall(app, 'PUT', `/accounts/${boss.email}/delegated-domains/b.test`)).status, 200);
  });
  after(() => app.stop());

  test('the default Carbonio filter: Outlook is offered 14.0 only, refused 16.1 with the filtered headers, others get 16.1', async () => {
    assert.deepEqual(ok(await cli('getAllEASFilters')), [
      'filters', '    ID 0', '    mode fixed', `    rule ${DEFAULT_RULE}`, '    easversions 14.0', '    blocking true',
    ]);
    assert.equal(await options(OUTLOOK), '14.0');
    assert.equal(await options('Outlook/1.0 (Macintosh)'), '14.0');
    assert.equal(await options(PLAIN), ALL);
    const refused = await folderSync(OUTLOOK, '16.1');
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('ms-asprotocolversions'), '14.0');
    const fresh = await folderSync(OUTLOOK, '14.0');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.get('ms-asprotocolversions'), '14.0', 'FolderSync 0 announces the filtered set');
    const other = await folderSync(PLAIN, '16.1');
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('ms-asprotocolversions'), ALL);
  });

  test('a filter capping one user agent at 14.0; the default filter deleted', async () => {
    const added = ok(await cli('doAddEASFilter', 'contains', 'cappedphone/', 'limit', '14.0'));
    assert.deepEqual(added, ['EAS filter added', '    ID 1', '    mode limit', '    rule [type = contains; rule = cappedphone/]', '    easversions 14.0', '    blocking false']);
    assert.equal(await options(CAPPED), '2.5,12.0,12.1,14.0');
    const refused = await folderSync(CAPPED, '16.1');
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('ms-asprotocolversions'), '2.5,12.0,12.1,14.0');
    assert.equal((await folderSync(CAPPED, '14.0')).status, 200);
    assert.equal(await options(PLAIN), ALL);
    assert.equal((await folderSync(PLAIN, '16.1')).status, 200);
    assert.ok(app.logs.some((l) => l.includes('"event":"eas-filter-added"') && l.includes('"by":"admin@')));

    assert.deepEqual(ok(await cli('doDeleteEASFilter', '0')).slice(0, 2), ['EAS filter deleted', '    ID 0']);
    assert.equal(await options(OUTLOOK), ALL, 'Outlook is no longer capped');
    assert.equal((await folderSync(OUTLOOK, '16.1')).status, 200);
    assert.deepEqual(await ids(), [1]);
    failed(await cli('doDeleteEASFilter', '0'), 1, /no EAS filter with ID 0/);
  });

  test('account and domain filters', async () => {
    await clear();
    ok(await cli('doAddEASFilter', 'account', ann.email, 'subtract', '16.0,16.1'));
    ok(await cli('doAddEASFilter', 'domain', 'B.TEST', 'fixed', '14.1'));
    assert.equal(await options(PLAIN, ann), '2.5,12.0,12.1,14.0,14.1');
    assert.equal(await options(PLAIN, bob), '14.1');
    assert.equal(await options(PLAIN, boss), '14.1');
    assert.equal((await folderSync(PLAIN, '16.1', ann)).status, 400);
    assert.equal((await folderSync(PLAIN, '14.0', bob)).status, 400);
    assert.equal((await folderSync(PLAIN, '14.1', bob)).status, 200);
    failed(await cli('doAddEASFilter', 'account', 'nobody@a.test', 'fixed', '14.1'), 1, /account nobody@a.test not found/);
    failed(await cli('doAddEASFilter', 'or', 'domain:nowhere.test,contains:x', 'fixed', '14.1'), 1, /domain nowhere.test not found/);
  });

  test('blocking stops evaluation; doMoveEASFilter reorders; a filter that would empty the set is skipped', async () => {
    await clear();
    ok(await cli('doAddEASFilter', 'contains', 'foo', 'add', '16.1', 'blocking', 'true'));
    ok(await cli('doAddEASFilter', 'always', '*', 'limit', '14.0'));
    const [foo, cap] = await ids();
    assert.equal(await options('FooPhone/1'), ALL);
    assert.equal(await options(PLAIN), '2.5,12.0,12.1,14.0');
    const moved = ok(await cli('doMoveEASFilter', '1', '0'));
    assert.deepEqual(moved.filter((l) => l.startsWith('    ID ')), [`    ID ${cap}`, `    ID ${foo}`]);
    assert.equal(await options('FooPhone/1'), '2.5,12.0,12.1,14.0,16.1');
    failed(await cli('doMoveEASFilter', '2', '0'), 1, /position from 2 out of range: positions are 0 to 1/);

    await clear();
    ok(await cli('doAddEASFilter', 'always', '*', 'subtract', ALL, 'blocking', 'true'));
    assert.equal(await options(PLAIN), ALL);
    assert.equal((await folderSync(PLAIN, '16.1')).status, 200);
    assert.ok(app.logs.some((l) => l.includes('"cmd":"FolderSync"') && l.includes('"filtersSkipped":[')), 'the access line names the skipped filter');
  });

  test('bad input gets a clear error', async () => {
    failed(await cli('doAddEASFilter', 'starts', 'x', 'fixed', '14.0'), 1, /unknown rule type "starts"/);
    failed(await cli('doAddEASFilter', 'contains', 'x', 'cap', '14.0'), 1, /unknown mode "cap" \(known: add, subtract, fixed, limit\)/);
    failed(await cli('doAddEASFilter', 'contains', 'x', 'fixed', '14.0,17.0'), 1, /unknown EAS version "17.0"/);
    failed(await cli('doAddEASFilter', 'regex', '([a-z]', 'fixed', '14.0'), 1, /invalid regular expression/);
    failed(await cli('doAddEASFilter', 'and', 'contains', 'fixed', '14.0'), 1, /at least two comma-separated sub-rules/);
    failed(await cli('doAddEASFilter', 'contains', 'x', 'fixed', '14.0', 'blocking', 'maybe'), 2, /blocking must be true or false/);
    failed(await cli('doAddEASFilter', 'contains', 'x', 'fixed'), 2, /missing <v1,v2..>/);
    failed(await cli('doMoveEASFilter', 'first', '0'), 2, /<from> must be a position/);
    failed(await cli('doDeleteEASFilter', '999'), 1, /no EAS filter with ID 999/);
    const api = await adminCall(app, 'POST', '/eas-filters', { type: 'contains', parameter: 'x', mode: 'fixed' });
    assert.equal(api.status, 400);
    assert.match((api.json.error as { message: string }).message, /"versions" is required/);
    assert.equal((await adminCall(app, 'POST', '/eas-filters/move', { from: -1, to: 0 })).status, 400);
  });

  test('only a global admin: a delegated admin gets 403 saying filters are installation-wide, a user 403', async () => {
    const r = await adminCall(app, 'GET', '/eas-filters', undefined, boss);
    assert.equal(r.status, 403);
    assert.match((r.json.error as { message: string }).message, /apply to the whole installation: only a global admin/);
    assert.equal((await adminCall(app, 'GET', '/eas-filters', undefined, ann)).status, 403, 'a plain account is no admin at all');
    failed(await runCli(app, ['mobile', 'doAddEASFilter', 'domain', 'b.test', 'fixed', '14.0'], { as: boss }), 1, /whole installation/);
    failed(await runCli(app, ['mobile', 'doDeleteEASFilter', '1'], { as: boss }), 1, /whole installation/);
    failed(await runCli(app, ['mobile', 'doMoveEASFilter', '0', '0'], { as: boss }), 1, /whole installation/);
  });

  test('--json prints the API answer with positions and the rule tree', async () => {
    await clear();
    ok(await cli('doAddEASFilter', 'or', 'contains:a\\,b,account:ann@a.test', 'fixed', '12.1,14.1'));
    const r = await runCli(app, ['mobile', 'getAllEASFilters', '--json']);
    const json = JSON.parse(ok(r).join('\n')) as { filters: Record<string, unknown>[] };
    assert.equal(json.filters.length, 1);
    assert.deepEqual({ ...json.filters[0], id: 0 }, {
      id: 0, position: 0, mode: 'fixed', rule: '[type = or; rules = [[type = contains; rule = a,b] OR [type = account; rule = ann@a.test]]]',
      ruleTree: { type: 'or', rules: [{ type: 'contains', value: 'a,b' }, { type: 'account', value: 'ann@a.test' }] }, easversions: ['12.1', '14.1'], blocking: false,
    });
    assert.equal(await options('A,B phone', ann), '12.1,14.1');
    assert.equal(await options(PLAIN, bob), ALL);
  });
});

describe('two server processes share the filters', { skip: pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set' }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  const nodes: NodeProcess[] = [];
  const who = { email: 'ann@example.com', password: 'ann-password-1' };
  const options = async (node: NodeProcess, userAgent: string) => {
    const res = await fetch(`${node.baseUrl}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS', headers: { authorization: basic(who.email, who.password), 'user-agent': userAgent } });
    await res.arrayBuffer();
    return res.headers.get('ms-asprotocolversions');
  };

  before(async () => {
    db = await createTempPgDatabase();
    nodes.push(await startNode({ name: 'filters1', dbUrl: db.url }), await startNode({ name: 'filters2', dbUrl: db.url }));
    assert.equal((await nodeAdminCall(nodes[0]!, 'POST', '/accounts', who)).status, 201);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.drop();
  });

  test('added on one node: applied there at once, on the other within 5 s; deleted likewise', async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    // Both nodes read (and cache) the list before the change.
    for (const n of nodes) assert.equal(await options(n, CAPPED), ALL);
    const added = await nodeAdminCall(n1, 'POST', '/eas-filters', { type: 'contains', parameter: 'cappedphone', mode: 'limit', versions: '14.0' });
    assert.equal(added.status, 201);
    assert.equal(await options(n1, CAPPED), '2.5,12.0,12.1,14.0', 'at once on the node that made the change');
    const t0 = Date.now();
    await until(async () => (await options(n2, CAPPED)) === '2.5,12.0,12.1,14.0', 'the filter on node 2', 10_000);
    assert.ok(Date.now() - t0 <= CACHE_TTL_MS + 1000, `node 2 applied it after ${Date.now() - t0} ms`);
    const id = (added.json.filter as { id: number }).id;
    assert.equal((await nodeAdminCall(n2, 'DELETE', `/eas-filters/${id}`)).status, 200);
    assert.equal(await options(n2, CAPPED), ALL);
    await until(async () => (await options(n1, CAPPED)) === ALL, 'the deletion on node 1', 10_000);
  });
});
