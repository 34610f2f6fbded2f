// Account loggers with two server processes on one PostgreSQL database (issue 15 part 3): a logger added
// through node 1 is honoured by node 2 (its first request reads the loggers), both append to the one file
// of a shared CARBONIO_LOG_DIR, each record naming its process, whole lines only; removed through node 1,
// node 2 stops within its cache lifetime (5 s).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CACHE_TTL_MS } from '../src/devices/account-loggers.js';
import { HEADER } from '../src/devices/logger-files.js';
import { el } from '../src/eas/wbxml/index.js';
import { easRequest } from './helpers/eas-client.js';
import { nodeAdminCall, startNode, type NodeProcess } from './helpers/node-process.js';
import { createTempPgDatabase, pgUrl } from './helpers/pg.js';
import { until } from './helpers/wait.js';

const skip = pgUrl ? false : 'CARBONIO_TEST_PG_URL is not set';
const ann = { email: 'ann@example.com', password: 'ann-password-1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('account loggers on two server processes', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTempPgDatabase>>;
  let n1: NodeProcess;
  let n2: NodeProcess;
  let logDir: string;
  const file = () => path.join(logDir, 'ann.log');
  const folderSync = (node: NodeProcess, deviceId: string) =>
    easRequest(node, { cmd: 'FolderSync', user: ann.email, password: ann.password, deviceId, version: '14.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
  const records = () => (fs.existsSync(file()) ? fs.readFileSync(file(), 'utf8') : '').split('\n').filter((l) => l.includes(' account='));
  const from = (node: NodeProcess) => records().filter((l) => l.includes(`:${node.child.pid} account=`));

  before(async () => {
    db = await createTempPgDatabase();
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonio-logs-'));
    const env = { CARBONIO_LOG_DIR: logDir };
    n1 = await startNode({ name: 'logger1', dbUrl: db.url, env });
    n2 = await startNode({ name: 'logger2', dbUrl: db.url, env });
    assert.equal((await nodeAdminCall(n1, 'POST', '/accounts', ann)).status, 201);
  });
  after(async () => {
    await n1?.stop();
    await n2?.stop();
    await db?.drop();
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  });

  test('both processes write the logger added on one; removal reaches the other within the cache lifetime', async () => {
    assert.equal((await nodeAdminCall(n1, 'POST', '/mobile/loggers', { account: ann.email, level: 'info', file: file() })).status, 200);
    for (let i = 0; i < 5; i++) {
      assert.equal((await folderSync(n2, 'NODE2DEV')).status, 200);
      assert.equal((await folderSync(n1, 'NODE1DEV')).status, 200);
    }
    await until(() => from(n1).length === 5 && from(n2).length === 5, 'five records from each process');
    const text = fs.readFileSync(file(), 'utf8');
    assert.ok(text.startsWith(HEADER));
    for (const l of records()) assert.match(l, /^\S+Z INFO node=\S+:\d+ account=ann@example\.com device=NODE[12]DEV .* cmd=FolderSync .* http=200 eas=1 bytesIn=\d+ bytesOut=\d+$/);

    const id = ((await nodeAdminCall(n1, 'GET', '/mobile/loggers')).json.loggers as Array<{ id: number }>)[0]?.id;
    assert.equal((await nodeAdminCall(n1, 'DELETE', `/mobile/loggers/${id}`)).status, 200);
    await sleep(CACHE_TTL_MS + 500);
    const before = records().length;
    await folderSync(n2, 'NODE2DEV');
    await folderSync(n1, 'NODE1DEV');
    await sleep(500);
    assert.equal(records().length, before, 'no process writes after the removal');
  });
});
