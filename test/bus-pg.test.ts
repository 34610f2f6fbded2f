// The PostgreSQL change bus (LISTEN/NOTIFY) with two buses on one database, as two server processes
// would have: a publish reaches the other bus's subscribers and the local ones exactly once; long
// folder lists are split under the payload limit; a killed listening connection comes back and
// signals a resync, and what was published meanwhile still arrives; close() leaves nothing running.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { asAccountId, asDeviceId, asFolderId, type FolderId } from '../src/core/ids.js';
import { PgBus } from '../src/bus/pg-bus.js';
import { decodeNotice, encodeNotice, MAX_PAYLOAD_BYTES } from '../src/bus/pg-payload.js';
import type { ChangeNotice } from '../src/store/types.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';

const skip = pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; fails after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

const notice = (account: string, folders: number[], hierarchy = false): ChangeNotice =>
  ({ accountId: asAccountId(account), folderIds: folders.map(asFolderId), hierarchy });

test('payloads: long folder lists are split under the limit and decode back', () => {
  const folders = Array.from({ length: 5000 }, (_, i) => 1_000_000 + i);
  const payloads = encodeNotice(notice('acc-1', folders, true), 'node-a');
  assert.ok(payloads.length > 1);
  for (const p of payloads) assert.ok(Buffer.byteLength(p) <= MAX_PAYLOAD_BYTES, `${Buffer.byteLength(p)} bytes`);
  const back = payloads.map((p) => decodeNotice(p)!);
  assert.deepEqual(back.flatMap((b) => b.notice.folderIds), folders);
  assert.ok(back.every((b) => b.nodeId === 'node-a' && b.notice.hierarchy && b.notice.accountId === 'acc-1'));
  assert.deepEqual(encodeNotice(notice('acc-1', []), 'n').map((p) => decodeNotice(p)?.notice.folderIds), [[]]);
  for (const bad of ['', 'x', '[]', '{"a":1,"f":[],"h":false,"n":"x"}', '{"a":"a","f":["1"],"h":false,"n":"x"}']) assert.equal(decodeNotice(bad), null);
});

test('payloads: the devices whose held requests must end (ABQ) travel with the notice', () => {
  const n: ChangeNotice = { ...notice('acc-1', [7]), endDevices: [asDeviceId('PHONE1'), asDeviceId('PHONE2')] };
  assert.deepEqual(encodeNotice(n, 'node-a').map((p) => decodeNotice(p)?.notice), [n]);
  assert.equal('endDevices' in decodeNotice(encodeNotice(notice('acc-1', [7]), 'n')[0]!)!.notice, false);
  for (const bad of ['{"a":"a","f":[],"h":false,"n":"x","e":"PHONE1"}', '{"a":"a","f":[],"h":false,"n":"x","e":[1]}']) assert.equal(decodeNotice(bad), null);
});

test('payloads: the folders of IMAP-only changes (\\Deleted) travel with the notice', () => {
  const n: ChangeNotice = { ...notice('acc-1', []), imapFolderIds: [asFolderId(9)] };
  assert.deepEqual(encodeNotice(n, 'node-a').map((p) => decodeNotice(p)?.notice), [n]);
  assert.equal('imapFolderIds' in decodeNotice(encodeNotice(notice('acc-1', [7]), 'n')[0]!)!.notice, false);
  for (const bad of ['{"a":"a","f":[],"h":false,"n":"x","i":9}', '{"a":"a","f":[],"h":false,"n":"x","i":["9"]}']) assert.equal(decodeNotice(bad), null);
});

describe('PostgreSQL change bus', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let a: PgBus;
  let b: PgBus;
  const tag = randomBytes(4).toString('hex');

  const terminate = async (applicationName: string): Promise<number> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const r = await c.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]);
      return r.rowCount ?? 0;
    } finally {
      await c.end();
    }
  };

  before(async () => {
    db = await createTempPgDatabase();
    a = new PgBus({ url: db.url, applicationName: `bus-a-${tag}`, nodeId: 'node-a' });
    b = new PgBus({ url: db.url, applicationName: `bus-b-${tag}`, nodeId: 'node-b' });
    await Promise.all([a.ready(), b.ready()]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await db.drop();
  });

  test('a publish reaches the other bus and the local subscriber exactly once, only for its account', async () => {
    const onA: ChangeNotice[] = [];
    const onB: ChangeNotice[] = [];
    const other: ChangeNotice[] = [];
    const stops = [a.subscribe(asAccountId('ann'), (n) => onA.push(n)), b.subscribe(asAccountId('ann'), (n) => onB.push(n)), b.subscribe(asAccountId('bob'), (n) => other.push(n))];
    a.publish(notice('ann', [7, 8]));
    assert.equal(onA.length, 1, 'local delivery is synchronous');
    await until(() => onB.length > 0, 2000, 'the notice on bus b');
    // The echo of a's own notice must not be delivered twice. A barrier instead of a sleep: NOTIFYs reach
    // every listener in commit order, so once a marker that b publishes now has reached a, a's listener
    // has already had (and dropped) that echo.
    const marks: ChangeNotice[] = [];
    stops.push(a.subscribe(asAccountId('marker'), (n) => marks.push(n)));
    b.publish(notice('marker', [1]));
    await until(() => marks.length > 0, 2000, 'the marker from bus b');
    assert.equal(onA.length, 1);
    assert.equal(onB.length, 1);
    assert.deepEqual(onB[0], notice('ann', [7, 8]));
    assert.equal(other.length, 0);
    for (const s of stops) s();
  });

  test('a long folder list arrives whole; a burst of notices for many accounts all arrive', async () => {
    const folders = Array.from({ length: 3000 }, (_, i) => 100_000 + i);
    const got = new Set<FolderId>();
    const stop = b.subscribe(asAccountId('big'), (n) => n.folderIds.forEach((f) => got.add(f)));
    a.publish(notice('big', folders));
    await until(() => got.size === folders.length, 3000, 'all folders');
    stop();

    const seen = new Set<string>();
    const stops = Array.from({ length: 1000 }, (_, i) => b.subscribe(asAccountId(`acc-${i}`), (n) => seen.add(n.accountId)));
    for (let i = 0; i < 1000; i++) a.publish(notice(`acc-${i}`, [i]));
    await until(() => seen.size === 1000, 5000, 'a notice for each of 1,000 accounts');
    for (const s of stops) s();
  });

  test('a killed listening connection reconnects, signals a resync, and nothing published meanwhile is lost', async () => {
    let resyncs = 0;
    const stopResync = b.onResync(() => resyncs++);
    const onA: ChangeNotice[] = [];
    const onB: ChangeNotice[] = [];
    const stops = [a.subscribe(asAccountId('ann'), (n) => onA.push(n)), b.subscribe(asAccountId('ann'), (n) => onB.push(n))];
    assert.equal(await terminate(`bus-b-${tag}`), 1);
    // Published by b while its connection is gone: kept, and sent once it is back.
    b.publish(notice('ann', [42]));
    await until(() => resyncs === 1, 5000, 'the resync after reconnecting');
    assert.ok(b.listening);
    await until(() => onA.some((n) => n.folderIds.includes(asFolderId(42))), 3000, 'the notice published while disconnected');
    a.publish(notice('ann', [43]));
    await until(() => onB.some((n) => n.folderIds.includes(asFolderId(43))), 3000, 'a notice after the reconnection');
    // Killed again, twice in a row: it keeps coming back.
    await terminate(`bus-b-${tag}`);
    await until(() => resyncs === 2, 5000, 'the second resync');
    await terminate(`bus-b-${tag}`);
    await until(() => resyncs === 3, 5000, 'the third resync');
    stopResync();
    for (const s of stops) s();
  });

  test('close() ends the connection and leaves no timer or socket, also while probing or retrying', async () => {
    await sleep(50); // lets the previous test's clients finish closing before the count it compares with
    const count = (): Record<string, number> => {
      const r: Record<string, number> = {};
      for (const k of process.getActiveResourcesInfo()) r[k] = (r[k] ?? 0) + 1;
      return r;
    };
    // The process may be running other suites' leftovers (npm test runs several files per process), whose
    // timers can end meanwhile: what counts is that the bus leaves nothing of its own, so no kind of
    // resource may end up above where it was.
    const base = count();
    const added = (): Record<string, number> =>
      Object.fromEntries(Object.entries(count()).filter(([k, n]) => n > (base[k] ?? 0)).map(([k, n]) => [k, n - (base[k] ?? 0)]));
    const name = `bus-c-${tag}`;
    const c = new PgBus({ url: db.url, applicationName: name, healthCheckMs: 20 });
    await c.ready();
    await sleep(150); // running for a while: several health probes
    assert.ok(c.listening);
    c.publish(notice('ann', [1]));
    await c.close();
    await until(() => Object.keys(added()).length === 0, 2000, 'the resources of the closed bus released').catch(() => undefined);
    assert.deepEqual(added(), {});
    const probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
    const left = await probe.query('select count(*)::int as n from pg_stat_activity where application_name = $1', [name]);
    await probe.end();
    assert.equal((left.rows[0] as { n: number }).n, 0);

    // Nothing listens on port 1: it keeps retrying until closed.
    const u = new URL(db.url);
    u.port = '1';
    const d = new PgBus({ url: u.toString(), retryMinMs: 20, retryMaxMs: 40 });
    await sleep(150); // running for a while: several failed attempts
    assert.equal(d.listening, false);
    await d.close();
    await until(() => Object.keys(added()).length === 0, 2000, 'the resources of the retrying bus released').catch(() => undefined);
    assert.deepEqual(added(), {});
  });
});
