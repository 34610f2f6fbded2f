// Two server processes on one PostgreSQL database (the change bus is LISTEN/NOTIFY): a Ping held on
// node 1 answers Status 2 on an SMTP delivery to node 2, and the other way round; across an outage of
// the database the held Pings answer (none hangs), and a Ping held afterwards is woken again by a
// delivery through the other node. The outage cuts every connection of this test's database and refuses
// new ones until both nodes noticed: what a PostgreSQL restart looks like to them, without restarting
// the cluster that the test files running in parallel use too. CARBONIO_TEST_PG_RESTART=1 restarts the
// real local cluster instead (pg_ctlcluster; run that alone).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { child, children, el, intOf, ns, text, textOf } from '../src/eas/wbxml/index.js';
import { easRequest, type EasResponse, pingBody } from './helpers/eas-client.js';
import { nodeAdminCall, startNode, type NodeProcess } from './helpers/node-process.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { crlf } from './helpers/phone.js';
import { SmtpClient } from './helpers/smtp-client.js';
import { until } from './helpers/wait.js';

const as = ns('AirSync');
const skip = pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USER = 'ann@example.com';
const PW = 'ann-password-1';

/** The local PostgreSQL cluster's version directory, when this machine runs it with pg_ctlcluster. */
function localCluster(): string | null {
  try {
    const versions = fs.readdirSync('/etc/postgresql').filter((v) => /^\d+$/.test(v) && fs.existsSync(`/etc/postgresql/${v}/main`));
    return versions.length === 1 && fs.existsSync('/usr/bin/pg_ctlcluster') ? versions[0]! : null;
  } catch {
    return null;
  }
}

async function pgUp(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return;
    } catch (err) {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

describe('two server processes on one PostgreSQL database', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let n1: NodeProcess;
  let n2: NodeProcess;
  let inbox = '';

  const req = async (node: NodeProcess, deviceId: string, cmd: string, body?: ReturnType<typeof el>, timeoutMs = 10_000): Promise<EasResponse> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        easRequest(node, { cmd, user: USER, password: PW, deviceId, version: '14.1', ...(body ? { body } : {}) }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${cmd} on ${node.name} got no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  const ping = (node: NodeProcess, deviceId: string, heartbeat: number, timeoutMs: number) =>
    req(node, deviceId, 'Ping', pingBody(heartbeat, [inbox]), timeoutMs);
  const status = (r: EasResponse) => intOf(r.root ?? undefined, 'Ping:Status');
  /** Waits until the node lists the device's request among its held ones (GET /api/admin/sessions, per process). */
  const held = (node: NodeProcess, deviceId: string) => until(async () => {
    const r = await nodeAdminCall(node, 'GET', '/sessions');
    return (r.json.sessions as Array<{ device: string }> | undefined ?? []).some((x) => x.device === deviceId);
  }, `the Ping of ${deviceId} held on ${node.name}`, 10_000);
  const pinged = (r: EasResponse) => children(child(r.root ?? undefined, 'Ping:Folders'), 'Ping:Folder').map((f) => text(f));
  /** FolderSync, then Sync the Inbox to its end, on the given node. */
  const ready = async (node: NodeProcess, deviceId: string) => {
    const fs1 = await req(node, deviceId, 'FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    for (const a of children(child(fs1.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')) {
      if (textOf(a, 'FolderHierarchy:DisplayName') === 'Inbox') inbox = textOf(a, 'FolderHierarchy:ServerId')!;
    }
    const sync = (key: string) => req(node, deviceId, 'Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inbox), as('WindowSize', 512)))));
    let r = await sync('0');
    for (let i = 0; i < 20; i++) {
      r = await sync(textOf(child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
      if (r.raw.length === 0) return;
    }
    assert.fail('the Inbox did not finish syncing');
  };
  /** One message over SMTP; retried while the node answers 4xx (the database coming back). */
  const deliver = async (node: NodeProcess, subject: string, retryMs = 0) => {
    const deadline = Date.now() + retryMs;
    for (;;) {
      const c = await SmtpClient.connect(node.smtpPort);
      await c.ehlo();
      const r = await c.send('zed@example.net', [USER], crlf(['From: zed@example.net', `To: ${USER}`, `Subject: ${subject}`, '', 'Hi.']));
      await c.quit();
      if (r.data?.code === 250) return;
      if (Date.now() > deadline) assert.fail(`delivery to ${node.name} refused: ${JSON.stringify(r.data ?? r.rcpt)}`);
      await sleep(200);
    }
  };

  before(async () => {
    db = await createTempPgDatabase();
    n1 = await startNode({ name: 'node1', dbUrl: db.url });
    n2 = await startNode({ name: 'node2', dbUrl: db.url });
    const created = await nodeAdminCall(n1, 'POST', '/accounts', { email: USER, password: PW });
    assert.equal(created.status, 201, JSON.stringify(created.json));
  });
  after(async () => {
    const codes = await Promise.all([n1?.stop(), n2?.stop()]);
    await db?.drop();
    assert.deepEqual(codes, [0, 0], 'both nodes stop cleanly');
  });

  test('a Ping held on node 1 answers Status 2 on an SMTP delivery to node 2', async () => {
    await ready(n1, 'd1');
    const answer = ping(n1, 'd1', 120, 10_000);
    await held(n1, 'd1');
    const t0 = Date.now();
    await deliver(n2, 'Through node 2');
    const r = await answer;
    const ms = Date.now() - t0;
    // Before its 120 s heartbeat: the delivery woke it (latency figures: bench/multi-node.ts).
    assert.ok(ms < 30_000, `woke in ${ms} ms`);
    assert.equal(status(r), 2);
    assert.deepEqual(pinged(r), [inbox]);
  });

  test('and the other way round: held on node 2, delivered to node 1', async () => {
    await ready(n2, 'd2');
    const answer = ping(n2, 'd2', 120, 10_000);
    await held(n2, 'd2');
    const t0 = Date.now();
    await deliver(n1, 'Through node 1');
    const r = await answer;
    assert.ok(Date.now() - t0 < 30_000, `woke in ${Date.now() - t0} ms`);
    assert.equal(status(r), 2);
  });

  test('a change committed while node 1 could not listen wakes its held Ping once it listens again', async () => {
    await ready(n1, 'm1');
    await ready(n2, 'm2'); // node 2's pool has open connections for the delivery below
    const name = db.url.replace(/^.*\//, '').replace(/\?.*$/, '');
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      const answer = ping(n1, 'm1', 120, 20_000);
      await held(n1, 'm1');
      const mark = n1.out().length;
      // No new connection to the database: node 1's listener, once killed, cannot come back yet.
      await admin.query(`alter database ${name} with allow_connections false`);
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`carbonio-bus-${n1.child.pid}`]);
      assert.equal(killed.rowCount, 1);
      await n1.waitForLog(/change bus: connection lost/, 5000, mark);
      await deliver(n2, 'While node 1 is deaf');
      // A wrong wake-up would show within this time; there is nothing to wait for when none comes.
      await sleep(300);
      const early = await Promise.race([answer.then(() => 'answered'), sleep(10).then(() => 'held')]);
      assert.equal(early, 'held', 'the notice could not reach node 1');
      await admin.query(`alter database ${name} with allow_connections true`);
      const t0 = Date.now();
      const r = await answer;
      assert.equal(status(r), 2, 'the re-check after reconnecting found the delivery');
      assert.deepEqual(pinged(r), [inbox]);
      // Long before the 120 s heartbeat: the reconnection's re-check answered it (how soon depends on load).
      assert.ok(Date.now() - t0 < 30_000, `answered ${Date.now() - t0} ms after connections were allowed again`);
    } finally {
      await admin.query(`alter database ${name} with allow_connections true`);
      await admin.end();
    }
  });

  test('a database outage while Pings are held: every Ping answers, and the bus works again after', async () => {
    const devices = [[n1, 'r1'], [n1, 'r2'], [n2, 'r3']] as const;
    for (const [node, d] of devices) await ready(node, d);
    const HEARTBEAT = 120;
    const marks = [n1.out().length, n2.out().length];
    // Answered once the bus listens again (a resync), long before the heartbeat; bounded here at 45 s.
    const answers = devices.map(([node, d]) => ping(node, d, HEARTBEAT, 45_000).then((r) => ({ r, at: Date.now() })));
    for (const [node, d] of devices) await held(node, d);
    const t0 = Date.now();
    if (process.env.CARBONIO_TEST_PG_RESTART === '1') {
      const version = localCluster();
      assert.ok(version, 'CARBONIO_TEST_PG_RESTART=1 needs a local pg_ctlcluster cluster');
      try {
        await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 60_000 });
      } finally {
        await pgUp(pgUrl!, 60_000);
      }
    } else {
      const name = db.url.replace(/^.*\//, '').replace(/\?.*$/, '');
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      try {
        await admin.query(`alter database ${name} with allow_connections false`);
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        // Down until both nodes have seen their listener go: then it comes back, as after a restart.
        await Promise.all([n1.waitForLog(/change bus: connection lost/, 15_000, marks[0]), n2.waitForLog(/change bus: connection lost/, 15_000, marks[1])]);
      } finally {
        await admin.query(`alter database ${name} with allow_connections true`);
        await admin.end();
      }
    }
    const back = Date.now();
    // Both nodes notice, and listen again.
    await Promise.all([n1.waitForLog(/change bus: listening again/, 15_000, marks[0]), n2.waitForLog(/change bus: listening again/, 15_000, marks[1])]);
    await deliver(n2, 'After the outage', 15_000);
    for (const { r, at } of await Promise.all(answers)) {
      assert.equal(r.status, 200);
      assert.ok([1, 2, 7].includes(status(r) ?? 0), `Ping Status ${String(status(r))}`);
      // Well before the 120 s heartbeat (how soon after is a matter of load and retry back-off).
      assert.ok(at - back < 40_000, `answered ${at - back} ms after the database was back (${at - t0} ms after the outage began)`);
    }
    // The bus works again across the nodes: a new Ping on node 1 is woken by a delivery to node 2.
    await ready(n1, 'r1');
    const again = ping(n1, 'r1', HEARTBEAT, 10_000);
    await held(n1, 'r1');
    const t1 = Date.now();
    await deliver(n2, 'After the outage, again', 5000);
    const r = await again;
    assert.ok(Date.now() - t1 < 30_000, `woke in ${Date.now() - t1} ms, before its heartbeat`);
    assert.equal(status(r), 2);
    assert.doesNotMatch(n1.err() + n2.err(), /unhandled|uncaught/i);
  });
});
