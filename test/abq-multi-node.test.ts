// ABQ across two server processes on one PostgreSQL database (issue 15 part 1): a quarantined device's
// Ping held on node 2 ends at once (Status 7, far below its heartbeat) when an admin allows the device
// through node 1, because the status change travels on the change bus (ChangeNotice.endDevices); the
// device then syncs its real mailbox through node 2.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, textOf } from '../src/eas/wbxml/index.js';
import { easRequest, type EasResponse, pingBody } from './helpers/eas-client.js';
import { nodeAdminCall, startNode, type NodeProcess } from './helpers/node-process.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { until } from './helpers/wait.js';

const skip = pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set';
const USER = 'ann@example.com';
const PW = 'ann-password-1';

describe('ABQ with two server processes on one PostgreSQL database', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let n1: NodeProcess;
  let n2: NodeProcess;

  const req = (node: NodeProcess, cmd: string, body?: ReturnType<typeof el>): Promise<EasResponse> =>
    easRequest(node, { cmd, user: USER, password: PW, deviceId: 'MOVER1', version: '14.1', ...(body ? { body } : {}) });
  const folderNames = async (node: NodeProcess): Promise<Map<string, string>> => {
    const r = await req(node, 'FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    return new Map(children(child(r.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').map((a) => [textOf(a, 'FolderHierarchy:DisplayName')!, textOf(a, 'FolderHierarchy:ServerId')!]));
  };

  before(async () => {
    db = await createTempPgDatabase();
    n1 = await startNode({ name: 'abq1', dbUrl: db.url });
    n2 = await startNode({ name: 'abq2', dbUrl: db.url });
    assert.equal((await nodeAdminCall(n1, 'POST', '/accounts', { email: USER, password: PW })).status, 201);
    assert.equal((await nodeAdminCall(n1, 'PUT', '/config/global', { key: 'abqMode', value: 'Interactive' })).status, 200);
  });
  after(async () => {
    const codes = await Promise.all([n1?.stop(), n2?.stop()]);
    await db?.drop();
    assert.deepEqual(codes, [0, 0], 'both nodes stop cleanly');
  });

  test('allowing the device on node 1 ends its Ping held on node 2 and gives it the real mailbox there', async () => {
    // Node 2 read abqMode within its cache's life before this test at most: wait until it quarantines.
    let folders = new Map<string, string>();
    await until(async () => (folders = await folderNames(n2)).size === 1, 'node 2 quarantines the new device', 10_000);
    const inbox = folders.get('Inbox')!;
    const sync = (key: string) => req(n2, 'Sync', el('AirSync:Sync', el('AirSync:Collections', el('AirSync:Collection', el('AirSync:SyncKey', key), el('AirSync:CollectionId', inbox)))));
    const first = await sync('0');
    await sync(textOf(child(child(first.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!);
    const t0 = Date.now();
    const held = req(n2, 'Ping', pingBody(300, [inbox]));
    await until(async () => ((await nodeAdminCall(n2, 'GET', '/sessions')).json.sessions as Array<{ device: string }> | undefined ?? []).some((s) => s.device === 'MOVER1'), 'the Ping held on node 2', 10_000);
    const allowed = await nodeAdminCall(n1, 'PUT', '/abq/devices/MOVER1', { status: 'Allowed', account: USER });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
    const r = await held;
    assert.equal(intOf(r.root ?? undefined, 'Ping:Status'), 7);
    assert.ok(Date.now() - t0 < 20_000, 'ended by the change, not by the 300 s heartbeat');
    assert.ok((await folderNames(n2)).has('Sent'), 'the real folder list on node 2');
  });
});
