// Ping on the wire: a held Ping answers Status 2 at once (not at its heartbeat) on an SMTP delivery to a watched folder,
// is not woken by other folders, ends with Status 1 at the heartbeat; empty Ping, bounds (5), too many
// folders (6), hierarchy (7); a newer request of the device, device management and shutdown end it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { child, children, el, intOf, ns, text, textOf, type WbxmlElement } from '../src/eas/wbxml/index.js';
import { asDeviceId } from '../src/core/ids.js';
import { parseMessageMeta } from '../src/mail/parse.js';
import type { Account } from '../src/store/types.js';
import { adminCall, startTestApp, type TestApp } from './helpers/app.js';
import { easRequest, type EasResponse, pingBody } from './helpers/eas-client.js';
import { deliver, Phone, plainMail } from './helpers/phone.js';
import { until } from './helpers/wait.js';

const as = ns('AirSync');

describe('EAS Ping', () => {
  let app: TestApp;
  let ann: Account;
  const pw = 'ann-password-1';
  const folders = new Map<string, string>();

  const phones = new Map<string, Phone>();
  const phone = (deviceId: string): Phone => {
    if (!phones.has(deviceId)) phones.set(deviceId, new Phone(app, { email: ann.email, password: pw }, deviceId));
    return phones.get(deviceId)!;
  };
  const req = (deviceId: string, cmd: string, body?: WbxmlElement) => phone(deviceId).request(cmd, body);
  const ping = (deviceId: string, heartbeat: number | null, ids: string[] | null) => phone(deviceId).ping(ids, heartbeat);
  const status = (r: EasResponse) => intOf(r.root ?? undefined, 'Ping:Status');
  /** Waits until the server holds the device's Ping (instead of sleeping and hoping it arrived). */
  const waitHeld = (deviceId: string) => phone(deviceId).held();
  const pinged = (r: EasResponse) => children(child(r.root ?? undefined, 'Ping:Folders'), 'Ping:Folder').map((f) => text(f));
  /** A device that has synced its folder list and the given folders to the end. */
  const ready = async (deviceId: string, names: string[]) => {
    const p = await phone(deviceId).ready(names);
    for (const [name, id] of p.folders) folders.set(name, id);
  };
  const wake = (to: string, subject: string) => deliver(app, to, plainMail(to, subject));

  before(async () => {
    app = await startTestApp();
    ann = await app.directory.createAccount({ email: 'ann@example.com', password: pw });
    // Short heartbeats make the expiry cases quick.
    await app.store.settings.set('global', 'minPingHeartbeat', '1');
  });
  after(() => app.stop());

  test('a held Ping answers Status 2 with the Inbox within a second of an SMTP delivery', async () => {
    await ready('p1', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    const held = ping('p1', 120, [inbox]);
    await waitHeld('p1');
    const t0 = Date.now();
    await wake(ann.email, 'Wake');
    const r = await held;
    // Far below the 120 s heartbeat: the change woke it (latency figures are bench/ping-hold.ts's job).
    assert.ok(Date.now() - t0 < 30_000, `woke in ${Date.now() - t0} ms`);
    assert.equal(status(r), 2);
    assert.deepEqual(pinged(r), [inbox]);
  });

  test('a change outside the watched folders does not wake it; the heartbeat ends it with Status 1', async () => {
    const a = (await app.store.accounts.getByEmail(ann.email))!;
    const other = await app.store.mailbox.createFolder(a.id, { parentId: null, name: 'Elsewhere', kind: 'mail' });
    await ready('p2', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    const t0 = Date.now();
    const held = ping('p2', 2, [inbox]);
    await waitHeld('p2');
    await app.store.mailbox.addMessage(a.id, other.id, { raw: Buffer.from('Subject: x\r\n\r\nx'), meta: await parseMessageMeta(Buffer.from('Subject: x\r\n\r\nx')) });
    const r = await held;
    assert.equal(status(r), 1);
    assert.ok(Date.now() - t0 >= 1900);
  });

  test('changes since the last Sync answer at once; an empty Ping reuses the last parameters', async () => {
    await ready('p3', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    await wake(ann.email, 'Before the ping');
    const r = await ping('p3', 60, [inbox]);
    assert.equal(status(r), 2);
    const empty = await ping('p3', null, null);
    assert.equal(status(empty), 2, 'same folders, same pending change');
    assert.equal(status(await ping('fresh', null, null)), 3, 'nothing to reuse');
    // Stored parameters of a bad shape read as none (logged): Status 3, not a server error.
    await app.store.deviceState.putRecord(ann.id, asDeviceId('p3'), 'ping', '{"heartbeat":"60","folders":"all"}');
    assert.equal(status(await ping('p3', null, null)), 3, 'nothing usable to reuse');
  });

  test("the device's own change through Sync does not wake its next Ping", async () => {
    await ready('p6', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    const a = (await app.store.accounts.getByEmail(ann.email))!;
    const inboxFolder = (await app.store.mailbox.getFolderByRole(a.id, 'inbox'))!;
    const [item] = await app.store.mailbox.listItems(a.id, inboxFolder.id, { limit: 1 });
    assert.ok(item, 'the Inbox has mail from earlier cases');
    const row = await app.store.deviceState.getCollection(a.id, 'p6' as never, inbox);
    const changed = await req('p6', 'Sync', as('Sync', as('Collections', as('Collection', as('SyncKey', row!.key), as('CollectionId', inbox),
      as('Commands', as('Change', as('ServerId', `${inbox}:${item.id}`), as('ApplicationData', el('Email:Read', item.flags.seen ? '0' : '1'))))))));
    assert.equal(changed.status, 200);
    const t0 = Date.now();
    const r = await ping('p6', 2, [inbox]);
    assert.equal(status(r), 1, 'held until the heartbeat: its own read flag is no news to it');
    assert.ok(Date.now() - t0 >= 1900);
  });

  test('bounds, folder limit, unknown folder and hierarchy change', async () => {
    await ready('p4', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    assert.equal((await adminCall(app, 'PUT', '/config/global', { key: 'maxPingHeartbeat', value: 600 })).status, 200);
    const tooLong = await ping('p4', 3000, [inbox]);
    assert.deepEqual([status(tooLong), intOf(tooLong.root ?? undefined, 'Ping:HeartbeatInterval')], [5, 600]);
    assert.equal((await adminCall(app, 'PUT', '/config/global', { key: 'maxPingHeartbeat', value: 3540 })).status, 200);
    const many = await ping('p4', 60, Array.from({ length: 301 }, (_, i) => String(i + 1)));
    assert.deepEqual([status(many), intOf(many.root ?? undefined, 'Ping:MaxFolders')], [6, 300]);
    assert.equal(status(await ping('p4', 60, ['999999'])), 7);
    const held = ping('p4', 60, [inbox]);
    await waitHeld('p4');
    const a = (await app.store.accounts.getByEmail(ann.email))!;
    await app.store.mailbox.createFolder(a.id, { parentId: null, name: `New ${Date.now()}`, kind: 'mail' });
    assert.equal(status(await held), 7, 'the hierarchy changed while held');
    assert.equal(status(await ping('p4', 60, [inbox])), 7, 'until the device does a FolderSync');
  });

  test('one live Ping per device: a newer request ends the older one', async () => {
    await ready('p5', ['Inbox']);
    const inbox = folders.get('Inbox')!;
    const first = ping('p5', 300, [inbox]);
    await waitHeld('p5');
    const t0 = Date.now();
    const second = ping('p5', 1, [inbox]);
    const r1 = await first;
    assert.ok(Date.now() - t0 < 30_000, 'ended by the newer request, not by its 300 s heartbeat');
    assert.equal(status(r1), 1);
    assert.equal(status(await second), 1);
  });

  test('doRemoveDevice, doSuspendDeviceSync and doResetDevice end the held Ping at once', async () => {
    for (const [device, action] of [['rm1', 'remove'], ['sus1', 'suspend'], ['rst1', 'reset']] as const) {
      await ready(device, ['Inbox']);
      const held = ping(device, 300, [folders.get('Inbox')!]);
      await waitHeld(device);
      const t0 = Date.now();
      const path = `/accounts/${ann.email}/devices/${device}`;
      const res = action === 'remove' ? await adminCall(app, 'DELETE', path) : await adminCall(app, 'POST', `${path}/${action}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const r = await held;
      assert.ok(Date.now() - t0 < 30_000, `${action} ended it in ${Date.now() - t0} ms, not at its 300 s heartbeat`);
      assert.equal(r.status, 200);
      if (action !== 'suspend') assert.equal(status(r), 7, 'its state is gone: FolderSync first');
    }
  });

  test('shutdown answers every held Ping', async () => {
    const other = await startTestApp();
    try {
      const bob = await other.directory.createAccount({ email: 'bob@example.com', password: 'bob-password-1' });
      const cred = { user: bob.email, password: 'bob-password-1', version: '14.1' };
      const devices = Array.from({ length: 20 }, (_, i) => `b${i}`);
      let inbox = '';
      // Every device has synced its Inbox, so each Ping is held (not answered at once for a missing state).
      for (const deviceId of devices) {
        const fs = await easRequest(other, { ...cred, deviceId, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
        inbox = textOf(children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add')[0], 'FolderHierarchy:ServerId')!;
        const first = await easRequest(other, { ...cred, deviceId, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', '0'), as('CollectionId', inbox)))) });
        const key = textOf(child(child(first.root!, 'AirSync:Collections'), 'AirSync:Collection'), 'AirSync:SyncKey')!;
        await easRequest(other, { ...cred, deviceId, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', inbox)))) });
      }
      const held = devices.map((deviceId) => easRequest(other, { ...cred, deviceId, cmd: 'Ping', body: pingBody(300, [inbox]) }));
      await until(() => other.sessions.count() === devices.length, 'every Ping to be held');
      await other.close();
      const answers = await Promise.all(held);
      assert.ok(answers.every((a) => a.status === 200 && status(a) === 1), JSON.stringify(answers.map((a) => [a.status, status(a)])));
    } finally {
      await other.stop();
    }
  });
});
