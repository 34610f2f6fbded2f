// Simulated sync (issue 15 part 6, `carbonio mobile doSimulateSync`) on SQLite and PostgreSQL: on a
// 200-message account a new iPhone would get 200 items in 8 windows of 25 (Android: windows of 10), and
// every device, SyncState, held-item and record row is the same afterwards, no change notice goes out and a
// held Ping stays held. A device that synced, then 5 new messages, one deleted, one flagged: `initial false`
// reports 5 adds, 1 change and 1 delete in its Inbox, and the phone's own next Sync still gets exactly those.
// `days` cuts old mail; the window cap shows in the report; bad input and delegated admins outside their
// domain are refused; the CLI prints the per-folder tree and the total.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FolderId } from '../src/core/ids.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import type { Account, ChangeNotice, NewMessage } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { failed, ok, runCli } from './helpers/cli.js';
import { addMessages } from './helpers/mailbox.js';
import { pgUrl } from './helpers/pg.js';
import { crlf, Phone, serverIds } from './helpers/phone.js';

const ann = { email: 'ann@a.test', password: 'ann-password-1' };
const bob = { email: 'bob@b.test', password: 'bob-password-1' };
const boss = { email: 'boss@b.test', password: 'boss-password-1' };
const DAY = 86_400_000;

async function messages(n: number, tag: string, receivedAt: number): Promise<NewMessage[]> {
  const out: NewMessage[] = [];
  for (let i = 0; i < n; i++) {
    const raw = Buffer.from(crlf(['From: zed@example.net', 'To: someone@a.test', `Subject: ${tag} ${i}`, `Message-ID: <${tag}-${i}@example.net>`, '', `Body of ${tag} ${i}.`]));
    out.push({ raw, meta: await parseMessageMeta(raw), receivedAt: receivedAt + i });
  }
  return out;
}

/** Every row a simulation could touch (devices, SyncStates, held items, hierarchy, records), in a stable order. */
async function stateRows(app: TestApp): Promise<string> {
  const { db } = app.store as SqlStore;
  const tables = ['devices', 'sync_states', 'hierarchy_states', 'device_records', 'sync_items'] as const;
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const rows = await db.selectFrom(t).selectAll().execute();
    out[t] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

interface FolderReport { id: string; name: string; kind: string; status: number; items: number; adds: number; changes: number; deletes: number; windows: number; windowSize: number; bytes: number; ms: number; capped: string | null }
interface Report { device: string; initial: boolean; filterType: number; protocolVersion: string; deviceType: string; folders: FolderReport[]; skipped: unknown[]; total: { items: number; windows: number; bytes: number }; capped: boolean; persisted: boolean }

function folder(r: Report, name: string): FolderReport {
  const f = r.folders.find((x) => x.name === name);
  assert.ok(f, `no folder ${name} in ${r.folders.map((x) => x.name).join(', ')}`);
  return f;
}

for (const backend of ['sqlite', ...(pgUrl ? ['postgres'] : [])] as const) describe(`simulated sync (${backend})`, () => {
  let app: TestApp;
  let account: Account;
  let inbox: FolderId;
  const notices: ChangeNotice[] = [];
  const simulate = async (body: Record<string, unknown>, email = ann.email, who = app.admin) => adminCall(app, 'POST', `/accounts/${email}/simulate-sync`, body, who);
  const report = async (body: Record<string, unknown>, email = ann.email, who = app.admin): Promise<Report> => {
    const r = await simulate(body, email, who);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Report;
  };
  /**
   * A simulation must leave every state row as it was and announce nothing: the store's after-commit notices
   * are what this process publishes on the bus (src/app.ts), and the engine gets a bus that refuses any use.
   */
  const unchanged = async <T>(fn: () => Promise<T>): Promise<T> => {
    const before = await stateRows(app);
    const seen = notices.length;
    const out = await fn();
    assert.equal(await stateRows(app), before, 'a state row changed');
    assert.equal(notices.length, seen, 'a change notice went out');
    return out;
  };

  before(async () => {
    app = await startTestApp({ postgres: backend === 'postgres' });
    for (const name of ['a.test', 'b.test']) assert.equal((await adminCall(app, 'POST', '/domains', { name })).status, 201);
    for (const acc of [ann, bob, boss]) assert.equal((await adminCall(app, 'POST', '/accounts', acc)).status, 201);
    assert.equal((await adminCall(app, 'PUT', '/accounts/boss@b.test/delegated-domains/b.test')).status, 200);
    account = (await app.store.accounts.getByEmail(ann.email))!;
    inbox = (await app.store.mailbox.getFolderByRole(account.id, 'inbox'))!.id;
    const now = Date.now();
    assert.equal((await addMessages(app, account.id, inbox, await messages(200, 'recent', now - 3_600_000))).length, 200);
    const archive = await app.store.mailbox.createFolder(account.id, { parentId: null, name: 'Archive', kind: 'mail' });
    await addMessages(app, account.id, archive.id, await messages(30, 'old', now - 60 * DAY));
    const b = (await app.store.accounts.getByEmail(bob.email))!;
    await addMessages(app, b.id, (await app.store.mailbox.getFolderByRole(b.id, 'inbox'))!.id, await messages(3, 'bob', now));
    app.store.onChange((n) => notices.push(n));
  });

  after(() => app.stop());

  test('a new iPhone: 200 items in 8 windows of 25 in the Inbox, every folder listed, nothing kept', async () => {
    const r = await unchanged(() => report({ deviceId: 'new' }));
    assert.equal(r.device, 'new');
    assert.equal(r.deviceType, 'iphone');
    assert.equal(r.protocolVersion, '16.1');
    assert.equal(r.persisted, false);
    const box = folder(r, 'Inbox');
    assert.deepEqual([box.items, box.adds, box.changes, box.deletes, box.windows, box.windowSize, box.status, box.capped], [200, 200, 0, 0, 8, 25, 1, null]);
    // 200 MIME bodies went through the real renderer: at least their subjects' bytes each.
    assert.ok(box.bytes > 200 * 'Subject: recent 199'.length, `${box.bytes} bytes`);
    assert.deepEqual([folder(r, 'Archive').items, folder(r, 'Archive').windows], [30, 2]);
    for (const kind of ['calendar', 'contacts', 'tasks']) assert.ok(r.folders.some((f) => f.kind === kind && f.items === 0), `a ${kind} folder`);
    assert.deepEqual([r.total.items, r.total.windows, r.capped], [230, 10, false]);
    assert.equal(r.total.bytes, r.folders.reduce((s, f) => s + f.bytes, 0));
    // No scratch device is left behind.
    assert.equal((await app.store.devices.list(account.id)).length, 0);
  });

  test('window_size and the Android profile set the windows; the window cap and the time budget are reported', async () => {
    const hundred = await report({ deviceId: 'new', windowSize: 100 });
    assert.deepEqual([folder(hundred, 'Inbox').windows, folder(hundred, 'Inbox').items], [2, 200]);
    const android = await report({ deviceId: 'new', deviceType: 'android', maxWindows: 1000 });
    assert.deepEqual([android.protocolVersion, folder(android, 'Inbox').windowSize, folder(android, 'Inbox').windows], ['14.1', 10, 20]);
    const capped = await unchanged(() => report({ deviceId: 'new', maxWindows: 3 }));
    assert.deepEqual([folder(capped, 'Inbox').items, folder(capped, 'Inbox').windows, folder(capped, 'Inbox').capped, capped.capped], [75, 3, 'windows', true]);
    // A 1 ms budget cannot bring 230 items: the folder it stopped in says 'time', the ones after are skipped.
    const hurried = await unchanged(() => report({ deviceId: 'new', maxMs: 1 }));
    assert.equal(hurried.capped, true);
    assert.ok(hurried.total.items < 230);
    assert.ok(hurried.skipped.length > 0 || hurried.folders.some((f) => f.capped === 'time'), JSON.stringify(hurried.folders));
    assert.equal(hurried.folders.length + hurried.skipped.length, hundred.folders.length, 'every folder is reported, synced or skipped');
  });

  test('days N cuts older mail at the nearest FilterType above N days', async () => {
    const week = await report({ deviceId: 'new', days: 7 });
    assert.equal(week.filterType, 3);
    assert.deepEqual([folder(week, 'Inbox').items, folder(week, 'Archive').items], [200, 0]);
    assert.equal((await report({ deviceId: 'new', days: 10 })).filterType, 4);
    const quarter = await report({ deviceId: 'new', days: 90 });
    assert.deepEqual([quarter.filterType, folder(quarter, 'Archive').items], [6, 30]);
  });

  test('bad input: unknown device, new with initial false, bad days, type or window', async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ deviceId: 'NOSUCHDEVICE' }, 404, /device NOSUCHDEVICE/],
      [{ deviceId: 'new', initial: false }, 400, /no SyncState/],
      [{ deviceId: 'new', days: -1 }, 400, /"days" must be a whole number from 0 to 180/],
      [{ deviceId: 'new', days: 181 }, 400, /"days"/],
      [{ deviceId: 'new', days: 'week' }, 400, /"days"/],
      [{ deviceId: 'new', days: 1.5 }, 400, /"days"/],
      [{ deviceId: 'new', deviceType: 'blackberry' }, 400, /"deviceType" must be one of iphone, android/],
      [{ deviceId: 'new', windowSize: 0 }, 400, /"windowSize"/],
      [{ deviceId: 'new', maxWindows: 5000 }, 400, /"maxWindows"/],
      [{ deviceId: 'new', maxMs: 60_000 }, 400, /"maxMs" must be a whole number from 1 to 10000/],
      [{}, 400, /"deviceId" is required/],
    ];
    for (const [body, status, message] of cases) {
      const r = await simulate(body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match((r.json.error as { message: string }).message, message);
    }
    assert.equal((await simulate({ deviceId: 'new' }, 'nobody@a.test')).status, 404);
  });

  test('one simulation at a time: a second one meanwhile is refused with 503, and runs once the first is done', async () => {
    const [first, second] = await Promise.all([
      // 230 windows of 1: the first run lasts well beyond the 150 ms after which the second asks.
      simulate({ deviceId: 'new', windowSize: 1, maxWindows: 1000 }),
      new Promise((r) => setTimeout(r, 150)).then(() => simulate({ deviceId: 'new' })),
    ]);
    assert.equal(first.status, 200);
    assert.ok((first.json.total as { ms: number }).ms > 150, 'the first run was still going when the second asked');
    assert.equal(second.status, 503, JSON.stringify(second.json));
    assert.match((second.json.error as { message: string }).message, /another simulated sync is running/);
    assert.equal((await simulate({ deviceId: 'new' })).status, 200);
  });

  test('a delegated admin simulates for his domain only', async () => {
    assert.equal((await simulate({ deviceId: 'new' }, ann.email, boss)).status, 403);
    const r = await report({ deviceId: 'new', deviceType: 'android' }, bob.email, boss);
    assert.deepEqual([folder(r, 'Inbox').items, folder(r, 'Inbox').windows], [3, 1]);
  });

  test('a device that synced: initial false shows its next Sync (5 adds, 1 change, 1 delete); its own next Sync still gets them', async () => {
    const phone = new Phone(app, ann, 'SIMPHONE1', { deviceType: 'iPhone' });
    await phone.ready(['Inbox']);
    const box = phone.folder('Inbox');
    const keyBefore = phone.key(box);
    const idle = await unchanged(() => report({ deviceId: 'SIMPHONE1', initial: false }));
    assert.deepEqual([idle.initial, folder(idle, 'Inbox').items, folder(idle, 'Inbox').windows, idle.total.items], [false, 0, 0, 0]);

    // A held Ping of the device stays held through a simulation, and wakes on real mail.
    const ping = phone.ping([box], 300);
    await phone.held();
    let settled = false;
    void ping.then(() => { settled = true; });
    await unchanged(() => report({ deviceId: 'SIMPHONE1', initial: false }));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'the simulation ended or woke the Ping');
    await addMessages(app, account.id, inbox, await messages(5, 'fresh', Date.now()));
    assert.equal((await ping).status, 200);

    // Besides the 5 new ones, one message the phone holds is deleted and another one flagged.
    const [gone, flagged] = await app.store.mailbox.listItems(account.id, inbox, { limit: 2 });
    await app.store.mailbox.deleteItem(account.id, gone!.id);
    await app.store.mailbox.updateItem(account.id, flagged!.id, { flags: { flagged: true } });

    const next = await unchanged(() => report({ deviceId: 'SIMPHONE1', initial: false }));
    const f = folder(next, 'Inbox');
    // The phone's own last Sync asked for windows of 512: its next one would carry all 7 in one.
    assert.deepEqual([f.adds, f.changes, f.deletes, f.items, f.windows, f.windowSize], [5, 1, 1, 7, 1, 512]);
    // In windows of 2 the engine carries its held items from window to window (in memory): 7 commands, 4 windows.
    const narrow = folder(await unchanged(() => report({ deviceId: 'SIMPHONE1', initial: false, windowSize: 2 })), 'Inbox');
    assert.deepEqual([narrow.adds, narrow.changes, narrow.deletes, narrow.items, narrow.windows], [5, 1, 1, 7, 4]);
    const full = await unchanged(() => report({ deviceId: 'SIMPHONE1' }));
    assert.deepEqual([full.initial, folder(full, 'Inbox').items, folder(full, 'Inbox').windows], [true, 204, 9]);

    // The simulations moved nothing: the phone's key is the one it had, and its next Sync brings the 7.
    assert.equal(phone.key(box), keyBefore);
    const real = await phone.sync(box, { windowSize: 512 });
    assert.deepEqual([serverIds(real, 'Add').length, serverIds(real, 'Change').length, serverIds(real, 'Delete').length], [5, 1, 1]);
  });

  test('CLI: the per-folder tree and the total; --json is the API answer; usage and refusals', async () => {
    // The Inbox as the earlier tests left it (200, or 204 after the device's test).
    const n = (await app.store.mailbox.listItems(account.id, inbox)).length;
    const out = ok(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'window_size', '100', 'device_type', 'iphone']));
    assert.match(out[0] ?? '', /^Simulated initial sync from SyncKey 0 of ann@a\.test, device new \(iphone, EAS 16\.1\), days 0 \(FilterType 0\): nothing kept, no SyncState changed$/);
    assert.ok(out.includes('folders'));
    const at = out.indexOf('    name Inbox');
    assert.ok(at > 0, out.join('\n'));
    const block = out.slice(at - 1, out.indexOf('', at));
    for (const line of ['    kind mail', `    items ${n}`, `    adds ${n}`, `    windows ${Math.ceil(n / 100)}`, '    windowSize 100', '    capped no']) assert.ok(block.includes(line), `${line} in\n${block.join('\n')}`);
    assert.ok(block.some((l) => /^ {4}bytes \d+$/.test(l)) && block.some((l) => /^ {4}ms \d+$/.test(l)));
    const total = out.slice(out.indexOf('total'));
    // The Archive's 30 old messages fit one window of 100.
    assert.ok(total.includes(`    items ${n + 30}`) && total.includes(`    windows ${Math.ceil(n / 100) + 1}`), total.join('\n'));

    const capped = ok(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'max_windows', '2', 'days', '7']));
    assert.match(capped[capped.length - 1] ?? '', /^Capped at 2 windows per folder and 10000 ms in all/);

    const json = await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'days', '7', '--json']);
    const parsed = JSON.parse(json.stdout) as Report;
    assert.deepEqual([parsed.filterType, folder(parsed, 'Archive').items, folder(parsed, 'Inbox').items], [3, 0, n]);

    failed(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'days', 'week']), 2, /days must be a whole number/);
    failed(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'initial', 'maybe']), 2, /initial must be true or false/);
    failed(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'NOSUCH']), 1, /not found/);
    failed(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new', 'days', '400']), 1, /days/);
    failed(await runCli(app, ['mobile', 'doSimulateSync', ann.email, 'new'], { as: boss }), 1);
  });
});
