// One storage contract, run against every backend (SQLite; PostgreSQL when CARBONIO_TEST_PG_URL is set).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { isStoreError, StoreError } from '../src/core/errors.js';
import { asBlobId, asCredentialId, asDeviceId, asFolderId, asItemId, type AccountId } from '../src/core/ids.js';
import { translate } from '../src/store/sql/context.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { DEVICE_SORTS, defaultFolders, type ChangeNotice, type MessageMeta } from '../src/store/types.js';
import { createDevices, expectedMatch, expectedOrder, type FixtureDevice } from './helpers/device-fixture.js';
import { backends } from './helpers/stores.js';
import { until } from './helpers/wait.js';

const meta = (subject: string): MessageMeta => ({
  subject, from: [{ name: 'A', address: 'a@x.test' }], to: [], cc: [], replyTo: [], messageId: `<${subject}@x>`,
  inReplyTo: null, references: [], sentAt: null, hasAttachments: false, preview: '', importance: 1,
});
const raw = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);
const rejectsKind = (p: Promise<unknown>, kind: Parameters<typeof isStoreError>[1]) =>
  assert.rejects(p, (e: unknown) => isStoreError(e, kind));

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let acct: AccountId;
    let other: AccountId;

    before(async () => {
      ({ store, cleanup } = await backend.open());
      await store.domains.create('one.test');
      await store.domains.create('two.test');
      acct = (await store.accounts.create({ email: 'Alice@One.test', passwordHash: 'h1', displayName: 'Alice' })).id;
      other = (await store.accounts.create({ email: 'bob@two.test', passwordHash: 'h2' })).id;
    });
    after(() => cleanup());

    test('domains: create, duplicate, list, delete only when empty', async () => {
      await rejectsKind(store.domains.create('one.test'), 'exists');
      assert.deepEqual((await store.domains.list()).map((d) => d.name), ['one.test', 'two.test']);
      await store.domains.create('empty.test');
      await store.domains.delete('EMPTY.test');
      assert.equal(await store.domains.getByName('empty.test'), null);
      await rejectsKind(store.domains.delete('one.test'), 'conflict');
      await rejectsKind(store.domains.delete('nope.test'), 'not-found');
    });

    test('accounts: normalised email, default folders, duplicates and unknown domains refused', async () => {
      const a = await store.accounts.getByEmail('ALICE@one.TEST');
      assert.ok(a);
      assert.equal(a.email, 'alice@one.test');
      assert.equal(a.status, 'active');
      assert.equal(a.mobileSyncEnabled, true);
      const folders = await store.mailbox.listFolders(acct);
      assert.deepEqual(folders.map((f) => f.role), defaultFolders.map((f) => f.role));
      assert.ok(folders.every((f) => f.parentId === null && f.accountId === acct));
      await rejectsKind(store.accounts.create({ email: 'alice@one.test', passwordHash: 'x' }), 'exists');
      await rejectsKind(store.accounts.create({ email: 'x@nowhere.test', passwordHash: 'x' }), 'not-found');
      await rejectsKind(store.accounts.create({ email: 'not-an-address', passwordHash: 'x' }), 'invalid');
      const changes = await store.mailbox.changesSince(acct, 0);
      assert.equal(changes.length, defaultFolders.length);
      assert.ok(changes.every((c) => c.kind === 'folder-added'));
    });

    test('accounts: update, password and status changes bump authVersion', async () => {
      const before = (await store.accounts.getById(acct))!.authVersion;
      const u = await store.accounts.update(acct, { displayName: 'Alice A', mobileSyncEnabled: false });
      assert.equal(u.displayName, 'Alice A');
      assert.equal(u.mobileSyncEnabled, false);
      assert.equal(u.authVersion, before);
      await store.accounts.setPasswordHash(acct, 'h1b');
      assert.equal((await store.accounts.getAuthRecord('alice@one.test'))!.passwordHash, 'h1b');
      const locked = await store.accounts.update(acct, { status: 'locked' });
      assert.equal(locked.authVersion, before + 2);
      await store.accounts.update(acct, { status: 'active', mobileSyncEnabled: true });
      assert.equal((await store.accounts.list({ domainId: u.domainId })).length, 1);
      assert.equal(await store.accounts.count(), 2);
    });

    test('delegated admin grants are idempotent and revocable', async () => {
      const d = (await store.domains.getByName('two.test'))!;
      await store.accounts.grantDelegatedAdmin(acct, d.id);
      await store.accounts.grantDelegatedAdmin(acct, d.id);
      assert.deepEqual(await store.accounts.delegatedDomains(acct), [d.id]);
      await store.accounts.revokeDelegatedAdmin(acct, d.id);
      assert.deepEqual(await store.accounts.delegatedDomains(acct), []);
    });

    test('credentials: 5-character ids, scoped to their account, every change bumps authVersion', async () => {
      const v0 = (await store.accounts.getById(acct))!.authVersion;
      const c = await store.credentials.create({ accountId: acct, label: 'Phone', services: ['EAS'], hash: 'H', generated: true, qrcode: false });
      assert.match(c.id, /^[A-Za-z0-9]{5}$/);
      assert.equal(c.enabled, true);
      assert.equal((await store.accounts.getById(acct))!.authVersion, v0 + 1);
      assert.equal(await store.credentials.get(other, c.id), null);
      await rejectsKind(store.credentials.update(other, c.id, { enabled: false }), 'not-found');
      await rejectsKind(store.credentials.delete(other, c.id), 'not-found');
      const u = await store.credentials.update(acct, c.id, { enabled: false, services: ['EAS', 'IMAP'], label: 'Old phone' });
      assert.deepEqual([u.enabled, u.services, u.label], [false, ['EAS', 'IMAP'], 'Old phone']);
      assert.equal((await store.accounts.getById(acct))!.authVersion, v0 + 2);
      await store.credentials.touchLastUsed(acct, c.id, 1234);
      assert.equal((await store.credentials.get(acct, c.id))!.lastUsedAt, 1234);
      await store.credentials.delete(acct, c.id);
      assert.equal((await store.credentials.list(acct)).length, 0);
      assert.equal((await store.accounts.getById(acct))!.authVersion, v0 + 3);
      await rejectsKind(store.credentials.update(acct, asCredentialId('zzzzz'), { label: 'x' }), 'not-found');
    });

    test('messages: bytes kept exactly, modseq and change log, flags, moves, deletes', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const trash = (await store.mailbox.getFolderByRole(acct, 'trash'))!;
      const start = await store.mailbox.currentModseq(acct);
      const bytes = Buffer.concat([raw('one'), Buffer.from([0, 255, 13, 10])]);
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: bytes, meta: meta('one') });
      assert.equal(item.modseq, start + 1);
      assert.deepEqual(Buffer.from((await store.blobs.get(item.blobId!))!), bytes);
      assert.equal(item.meta?.subject, 'one');
      assert.equal(await store.mailbox.countItems(acct, inbox.id), 1);

      const same = await store.mailbox.updateItem(acct, item.id, { flags: { seen: false } });
      assert.equal(same.modseq, item.modseq, 'a no-op change takes no modseq');
      const seen = await store.mailbox.updateItem(acct, item.id, { flags: { seen: true, flagged: true }, categories: ['Work'] });
      assert.deepEqual([seen.flags.seen, seen.flags.flagged, seen.categories], [true, true, ['Work']]);
      const moved = await store.mailbox.moveItem(acct, item.id, trash.id);
      assert.equal(moved.folderId, trash.id);
      await store.mailbox.deleteItem(acct, item.id);
      assert.equal(await store.mailbox.getItem(acct, item.id), null);
      assert.equal(await store.blobs.get(item.blobId!), null, 'an orphan blob is removed');

      const log = await store.mailbox.changesSince(acct, start);
      assert.deepEqual(log.map((c) => c.kind), ['item-added', 'item-changed', 'item-moved', 'item-deleted']);
      assert.deepEqual(log.map((c) => c.modseq), [start + 1, start + 2, start + 3, start + 4]);
      assert.equal(log[2]!.fromFolderId, inbox.id);
      assert.equal(log[2]!.folderId, trash.id);
      assert.equal(await store.mailbox.currentModseq(acct), start + 4);
    });

    test('addMessages: a batch across insert chunks, in order, with consecutive modseqs, shared blobs, indexed and logged', async () => {
      const folder = await store.mailbox.createFolder(acct, { parentId: null, name: 'Batch', kind: 'mail' });
      const start = await store.mailbox.currentModseq(acct);
      // 450: more than two of the store's insert chunks; every 100th shares the bytes of the first.
      const batch = Array.from({ length: 450 }, (_, i) => ({
        raw: raw(i % 100 === 0 ? 'batch shared' : `batch ${i}`), meta: meta(`batch ${i}`), text: i === 321 ? 'zyxwv needle' : 'hay',
        flags: { seen: i % 2 === 0 }, receivedAt: 1_000 + i,
      }));
      const items = await store.mailbox.addMessages(acct, folder.id, batch);
      assert.deepEqual(items.map((it) => it.meta?.subject), batch.map((m) => m.meta.subject));
      assert.deepEqual(items.map((it) => it.modseq), batch.map((_, i) => start + 1 + i));
      assert.equal(new Set(items.map((it) => it.id)).size, 450);
      assert.deepEqual([items[0]!.flags.seen, items[1]!.flags.seen, items[7]!.receivedAt], [true, false, 1_007]);
      assert.equal(items[100]!.blobId, items[0]!.blobId);
      const stored = await store.mailbox.getItem(acct, items[449]!.id);
      assert.deepEqual([stored?.folderId, stored?.modseq, stored?.meta?.subject], [folder.id, start + 450, 'batch 449']);
      assert.deepEqual(Buffer.from((await store.blobs.get(items[200]!.blobId!))!), raw('batch shared'));
      assert.equal(await store.mailbox.countItems(acct, folder.id), 450);
      const log = await store.mailbox.changesSince(acct, start);
      assert.deepEqual(log.map((c) => [c.kind, c.itemId, c.modseq]), items.map((it) => ['item-added', it.id, it.modseq]));
      assert.deepEqual((await store.mailbox.searchMessages(acct, { text: 'zyxwv', offset: 0, limit: 5 })).items.map((i) => i.id), [items[321]!.id]);
      assert.deepEqual(await store.mailbox.addMessages(acct, folder.id, []), []);
      // blobsInFolder (the mail import's duplicate check): only this folder of this account, unknown ids left out.
      const ids = [...new Set(items.map((it) => it.blobId!))];
      const unknown = asBlobId('0'.repeat(64));
      assert.deepEqual(await store.mailbox.blobsInFolder(acct, folder.id, [...ids, unknown]), new Set(ids));
      assert.equal((await store.mailbox.blobsInFolder(acct, (await store.mailbox.getFolderByRole(acct, 'inbox'))!.id, ids)).size, 0);
      assert.equal((await store.mailbox.blobsInFolder(other, folder.id, ids)).size, 0);
      const otherSeq = await store.mailbox.currentModseq(other);
      await rejectsKind(store.mailbox.addMessages(other, folder.id, batch.slice(0, 1)), 'not-found');
      assert.equal(await store.mailbox.currentModseq(other), otherSeq, 'another account cannot add to this folder, and nothing of it moved');
      await store.mailbox.deleteFolder(acct, folder.id);
    });

    test('messages: flag details and the last reply or forward, kept, replaced, dropped with the flag', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: raw('flagged'), meta: meta('flagged') });
      assert.deepEqual([item.flagDetails, item.lastVerb], [null, null]);
      const details = { flagType: 'Follow up', dueDate: '2025-07-04T00:00:00.000Z', reminderSet: true, reminderTime: '2025-07-03T08:00:00.000Z' };
      const set = await store.mailbox.updateItem(acct, item.id, { flags: { flagged: true }, flagDetails: details });
      assert.deepEqual((await store.mailbox.getItem(acct, item.id))!.flagDetails, details);
      const again = await store.mailbox.updateItem(acct, item.id, { flags: { flagged: true }, flagDetails: { ...details } });
      assert.equal(again.modseq, set.modseq, 'the same details again take no modseq');
      const seen = await store.mailbox.updateItem(acct, item.id, { flags: { seen: true } });
      assert.deepEqual(seen.flagDetails, details, 'a patch without details keeps them');
      const done = { complete: true, completeTime: '2025-07-05T10:00:00.000Z', dateCompleted: '2025-07-05T00:00:00.000Z' };
      await store.mailbox.updateItem(acct, item.id, { flags: { flagged: false }, flagDetails: done });
      const reread = (await store.mailbox.listItems(acct, inbox.id)).find((i) => i.id === item.id)!;
      assert.deepEqual([reread.flags.flagged, reread.flagDetails], [false, done]);
      // \Flagged set without details (an IMAP client): the old details do not come back with it.
      const bare = await store.mailbox.updateItem(acct, item.id, { flags: { flagged: true } });
      assert.deepEqual([bare.flags.flagged, bare.flagDetails], [true, null]);

      const replied = await store.mailbox.updateItem(acct, item.id, { flags: { answered: true }, lastVerb: { kind: 'reply', at: 1_750_000_000_000 } });
      assert.ok(replied.modseq > bare.modseq);
      await store.mailbox.updateItem(acct, item.id, { flags: { forwarded: true }, lastVerb: { kind: 'forward', at: 1_750_000_100_000 } });
      const after = (await store.mailbox.getItem(acct, item.id))!;
      assert.deepEqual(after.lastVerb, { kind: 'forward', at: 1_750_000_100_000 });
      assert.deepEqual([after.flags.answered, after.flags.forwarded], [true, true]);
      const cleared = await store.mailbox.updateItem(acct, item.id, { flagDetails: null, flags: { flagged: false } });
      assert.deepEqual([cleared.flagDetails, cleared.lastVerb?.kind], [null, 'forward'], 'clearing the flag keeps the last verb');
      await store.mailbox.deleteItem(acct, item.id);
    });

    test('one account never reaches another account\'s items or folders', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const otherInbox = (await store.mailbox.getFolderByRole(other, 'inbox'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: raw('mine'), meta: meta('mine') });
      assert.equal(await store.mailbox.getItem(other, item.id), null);
      assert.equal(await store.mailbox.getFolder(other, inbox.id), null);
      await rejectsKind(store.mailbox.updateItem(other, item.id, { flags: { seen: true } }), 'not-found');
      await rejectsKind(store.mailbox.moveItem(other, item.id, otherInbox.id), 'not-found');
      await rejectsKind(store.mailbox.moveItem(acct, item.id, otherInbox.id), 'not-found');
      await rejectsKind(store.mailbox.deleteItem(other, item.id), 'not-found');
      await rejectsKind(store.mailbox.addMessage(other, inbox.id, { raw: raw('x'), meta: meta('x') }), 'not-found');
      assert.deepEqual(await store.mailbox.listItems(other, inbox.id), []);
    });

    test('getItems: the account\'s items among the ids, across chunks, nothing of another account', async () => {
      const folder = await store.mailbox.createFolder(acct, { parentId: null, name: 'Bulk', kind: 'notes' });
      // More than one chunk of the IN list (500 ids per query), so the chunks' results add up.
      const made = await store.transaction(async (tx) => {
        const out = [];
        for (let i = 0; i < 520; i++) out.push(await tx.mailbox.addItem(acct, folder.id, { kind: 'note', data: { subject: `n${i}` } }));
        return out;
      });
      const mine = await store.mailbox.addMessage(acct, (await store.mailbox.getFolderByRole(acct, 'inbox'))!.id, { raw: raw('bulk'), meta: meta('bulk') });
      const theirs = await store.mailbox.addMessage(other, (await store.mailbox.getFolderByRole(other, 'inbox'))!.id, { raw: raw('theirs'), meta: meta('theirs') });
      const asked = [...made.map((i) => i.id).reverse(), mine.id, theirs.id, asItemId(987654321), made[0]!.id];
      const got = await store.mailbox.getItems(acct, asked);
      assert.equal(got.length, 521, 'each item once; the unknown id and the other account\'s item left out');
      const byId = new Map(got.map((i) => [i.id, i]));
      assert.deepEqual(byId.get(made[517]!.id), await store.mailbox.getItem(acct, made[517]!.id), 'the same item getItem reads');
      assert.deepEqual(byId.get(mine.id), await store.mailbox.getItem(acct, mine.id));
      assert.equal(byId.has(theirs.id), false);
      assert.deepEqual(await store.mailbox.getItems(acct, []), []);
      assert.deepEqual(await store.mailbox.getItems(other, made.map((i) => i.id)), []);
      await store.mailbox.deleteFolder(acct, folder.id);
      await store.mailbox.deleteItem(acct, mine.id);
      await store.mailbox.deleteItem(other, theirs.id);
    });

    test('a blob shared by two messages survives until the last one goes', async () => {
      const a = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const b = (await store.mailbox.getFolderByRole(other, 'inbox'))!;
      const bytes = raw('shared');
      const i1 = await store.mailbox.addMessage(acct, a.id, { raw: bytes, meta: meta('shared') });
      const i2 = await store.mailbox.addMessage(other, b.id, { raw: bytes, meta: meta('shared') });
      assert.equal(i1.blobId, i2.blobId);
      await store.mailbox.deleteItem(acct, i1.id);
      assert.ok(await store.blobs.get(i2.blobId!));
      await store.mailbox.deleteItem(other, i2.id);
      assert.equal(await store.blobs.get(i2.blobId!), null);
    });

    test('folders: create, name clash, rename, no cycles, system folders protected, cascade delete', async () => {
      const start = await store.mailbox.currentModseq(acct);
      const parent = await store.mailbox.createFolder(acct, { parentId: null, name: 'Projects', kind: 'mail' });
      const child = await store.mailbox.createFolder(acct, { parentId: parent.id, name: 'Alpha', kind: 'mail' });
      await rejectsKind(store.mailbox.createFolder(acct, { parentId: null, name: 'projects', kind: 'mail' }), 'exists');
      await rejectsKind(store.mailbox.createFolder(acct, { parentId: asFolderId(999999), name: 'X', kind: 'mail' }), 'not-found');
      await rejectsKind(store.mailbox.createFolder(acct, { parentId: null, name: '', kind: 'mail' }), 'invalid');
      await rejectsKind(store.mailbox.updateFolder(acct, parent.id, { parentId: child.id }), 'cycle');
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      await rejectsKind(store.mailbox.updateFolder(acct, inbox.id, { name: 'Renamed' }), 'forbidden');
      await rejectsKind(store.mailbox.deleteFolder(acct, inbox.id), 'forbidden');
      const renamed = await store.mailbox.updateFolder(acct, child.id, { name: 'Beta', parentId: null });
      assert.deepEqual([renamed.name, renamed.parentId], ['Beta', null]);
      await store.mailbox.updateFolder(acct, child.id, { parentId: parent.id });
      const msg = await store.mailbox.addMessage(acct, child.id, { raw: raw('in-child'), meta: meta('in-child') });
      await store.mailbox.deleteFolder(acct, parent.id);
      assert.equal(await store.mailbox.getFolder(acct, child.id), null);
      assert.equal(await store.mailbox.getItem(acct, msg.id), null);
      const kinds = (await store.mailbox.changesSince(acct, start)).map((c) => c.kind);
      assert.deepEqual(kinds, ['folder-added', 'folder-added', 'folder-changed', 'folder-changed', 'item-added', 'folder-deleted', 'folder-deleted']);
      await rejectsKind(store.mailbox.deleteFolder(other, inbox.id), 'not-found');
    });

    test('folders: sync exclusion flag, refused on system folders, logged once per change', async () => {
      const folder = await store.mailbox.createFolder(acct, { parentId: null, name: 'Excluded', kind: 'mail' });
      assert.equal(folder.syncDisabled, false);
      const seen: ChangeNotice[] = [];
      const off = store.onChange((n) => seen.push(n));
      const start = await store.mailbox.currentModseq(acct);
      const off1 = await store.mailbox.setFolderSyncDisabled(acct, folder.id, true);
      assert.equal(off1.syncDisabled, true);
      assert.equal((await store.mailbox.getFolder(acct, folder.id))?.syncDisabled, true);
      assert.equal((await store.mailbox.listFolders(acct)).find((f) => f.id === folder.id)?.syncDisabled, true);
      // Setting the flag it already has changes nothing.
      await store.mailbox.setFolderSyncDisabled(acct, folder.id, true);
      assert.equal(await store.mailbox.currentModseq(acct), start + 1);
      assert.deepEqual((await store.mailbox.changesSince(acct, start)).map((c) => [c.kind, c.folderId]), [['folder-changed', folder.id]]);
      off();
      assert.ok(seen.some((n) => n.hierarchy && n.folderIds.includes(folder.id)));
      assert.equal((await store.mailbox.setFolderSyncDisabled(acct, folder.id, false)).syncDisabled, false);
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      await rejectsKind(store.mailbox.setFolderSyncDisabled(acct, inbox.id, true), 'forbidden');
      await rejectsKind(store.mailbox.setFolderSyncDisabled(other, folder.id, true), 'not-found');
      await store.mailbox.deleteFolder(acct, folder.id);
    });

    test('transactions: notices only after commit, nothing kept on rollback', async () => {
      const seen: ChangeNotice[] = [];
      const off = store.onChange((n) => seen.push(n));
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const sent = (await store.mailbox.getFolderByRole(acct, 'sent'))!;
      const before = await store.mailbox.currentModseq(acct);
      await assert.rejects(store.transaction(async (tx) => {
        await tx.mailbox.addMessage(acct, inbox.id, { raw: raw('rolled'), meta: meta('rolled') });
        throw new Error('boom');
      }), /boom/);
      assert.equal(await store.mailbox.currentModseq(acct), before);
      assert.equal(seen.length, 0);
      await store.transaction(async (tx) => {
        await tx.mailbox.addMessage(acct, inbox.id, { raw: raw('t1'), meta: meta('t1') });
        await tx.mailbox.addMessage(acct, sent.id, { raw: raw('t2'), meta: meta('t2') });
        assert.equal(seen.length, 0, 'nothing is announced before commit');
      });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.accountId, acct);
      assert.deepEqual(new Set(seen[0]!.folderIds), new Set([inbox.id, sent.id]));
      assert.equal(seen[0]!.hierarchy, false);
      off();
    });

    test('concurrent writes to one account get distinct, gap-free modseqs', async () => {
      const inbox = (await store.mailbox.getFolderByRole(other, 'inbox'))!;
      const start = await store.mailbox.currentModseq(other);
      const items = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.mailbox.addMessage(other, inbox.id, { raw: raw(`c${i}`), meta: meta(`c${i}`) })));
      const seqs = items.map((i) => i.modseq).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => start + 1 + i));
      const page1 = await store.mailbox.listItems(other, inbox.id, { limit: 5 });
      const page2 = await store.mailbox.listItems(other, inbox.id, { limit: 5, afterId: page1[4]!.id });
      assert.equal(page1.length, 5);
      assert.ok(page2[0]!.id > page1[4]!.id);
      assert.equal(await store.mailbox.getItem(other, asItemId(987654321)), null);
    });

    test('settings by scope', async () => {
      assert.equal(await store.settings.get('global', 'k'), null);
      await store.settings.set('global', 'k', '1');
      await store.settings.set('global', 'k', '2');
      await store.settings.set('domain:x', 'k', '3');
      assert.equal(await store.settings.get('global', 'k'), '2');
      assert.deepEqual(await store.settings.list('global'), { k: '2' });
    });

    test('auth guard: atomic failure counts, lock at the limit, new window after expiry, list and clear by account or address', async () => {
      const g = store.authGuard;
      const t0 = 1_000_000_000_000;
      const lim = { windowMs: 60_000, lockMs: 60_000, max: 3 };
      const pair = { scope: 'pair' as const, namespace: 'protocol' as const, account: 'ann@one.test', address: '10.0.0.1' };
      const addr = { scope: 'address' as const, namespace: 'protocol' as const, account: '', address: '10.0.0.1' };
      const adminAcct = { scope: 'account' as const, namespace: 'admin' as const, account: 'ann@one.test', address: '' };
      // Concurrent failures on one key are all counted (the upsert is atomic).
      const counted = await Promise.all([1, 2].map(() => g.addFailure(pair, t0, lim)));
      assert.deepEqual(counted.map((c) => c.failures).sort(), [1, 2]);
      const third = await g.addFailure(pair, t0 + 10, lim);
      assert.deepEqual([third.failures, third.lockedUntil, third.windowStart], [3, t0 + 10 + lim.lockMs, t0]);
      const fourth = await g.addFailure(pair, t0 + 20, lim);
      assert.equal(fourth.lockedUntil, t0 + 10 + lim.lockMs, 'a running lock is not extended');
      await g.addFailure(addr, t0, { ...lim, max: 50 });
      await g.addFailure(adminAcct, t0, lim);
      assert.equal((await g.counters([pair, addr, adminAcct], t0 + 30, lim.windowMs)).length, 3);
      assert.deepEqual((await g.list({ account: 'ann@one.test' }, t0 + 30, lim.windowMs)).map((c) => `${c.namespace}/${c.scope}`), ['admin/account', 'protocol/pair']);
      assert.deepEqual((await g.list({ address: '10.0.0.1' }, t0 + 30, lim.windowMs)).map((c) => c.scope), ['address', 'pair']);
      // Past the window and the lock: stale, ignored, and a new failure opens a new window.
      const late = t0 + 10 + lim.lockMs + 1;
      assert.deepEqual(await g.counters([pair, addr], late, lim.windowMs), []);
      const fresh = await g.addFailure(pair, late, lim);
      assert.deepEqual([fresh.failures, fresh.windowStart, fresh.lockedUntil], [1, late, t0 + 10 + lim.lockMs]);
      await g.reset(pair);
      assert.deepEqual(await g.counters([pair], late, lim.windowMs), []);
      await g.addFailure(pair, late, lim);
      assert.equal(await g.clear({ address: '10.0.0.1' }), 2, 'the address counter and the pair');
      assert.equal(await g.clear({ account: 'ann@one.test' }), 1, 'the admin-namespace account counter');
      assert.deepEqual(await g.list({}, late, lim.windowMs), []);
      await g.addFailure(addr, t0, lim);
      await g.prune(late, lim.windowMs, 0);
      assert.deepEqual(await g.list({}, t0, lim.windowMs), [], 'pruned');
    });

    test('auth guard: familiar sources with their last success, older ones ignored and pruned', async () => {
      const g = store.authGuard;
      await g.recordSuccess('ann@one.test', 'address', '10.0.0.1', 1000);
      await g.recordSuccess('ann@one.test', 'address', '10.0.0.1', 5000);
      await g.recordSuccess('ann@one.test', 'device', 'DEV1', 2000);
      await g.recordSuccess('bob@two.test', 'address', '10.0.0.1', 3000);
      assert.equal(await g.lastSuccess('ann@one.test', 'address', '10.0.0.1', 0), 5000);
      assert.equal(await g.lastSuccess('ann@one.test', 'device', 'DEV1', 2500), null, 'too old');
      assert.equal(await g.lastSuccess('ann@one.test', 'device', '10.0.0.1', 0), null, 'kinds apart');
      assert.deepEqual((await g.familiar('ann@one.test', 0)).map((f) => `${f.kind}:${f.value}:${f.lastSuccess}`), ['address:10.0.0.1:5000', 'device:DEV1:2000']);
      await g.prune(10_000, 1, 2500);
      assert.deepEqual((await g.familiar('ann@one.test', 0)).map((f) => f.kind), ['address']);
    });

    test('deleting an account removes its folders, items, credentials and orphan blobs', async () => {
      const d = await store.accounts.create({ email: 'gone@one.test', passwordHash: 'h' });
      const inbox = (await store.mailbox.getFolderByRole(d.id, 'inbox'))!;
      const item = await store.mailbox.addMessage(d.id, inbox.id, { raw: raw('gone-only'), meta: meta('gone') });
      await store.credentials.create({ accountId: d.id, label: '', services: ['EAS'], hash: 'H', generated: true, qrcode: false });
      await store.accounts.delete(d.id);
      assert.equal(await store.accounts.getById(d.id), null);
      assert.deepEqual(await store.mailbox.listFolders(d.id), []);
      assert.deepEqual(await store.credentials.list(d.id), []);
      assert.equal(await store.blobs.get(item.blobId!), null);
      await rejectsKind(store.accounts.delete(d.id), 'not-found');
    });

    test('devices: first contact creates, later contacts update and keep the user-agent history', async () => {
      const dev = asDeviceId('ApplDEV1');
      const c1 = { deviceType: 'iPhone', userAgent: 'Apple-iPhone/1', protocolVersion: '14.1', address: '127.0.0.2', at: 1000 };
      const d1 = await store.devices.recordContact(acct, dev, c1);
      assert.deepEqual([d1.status, d1.policyKey, d1.firstSeen, d1.lastSeen], [0, 0, 1000, 1000]);
      const [again] = await Promise.all([store.devices.recordContact(acct, dev, c1), store.devices.recordContact(acct, dev, c1)]);
      assert.equal(again.firstSeen, 1000, 'a racing first contact does not duplicate');
      const d2 = await store.devices.recordContact(acct, dev, { ...c1, userAgent: 'Apple-iPhone/2', protocolVersion: '16.1', at: 2000 });
      assert.deepEqual([d2.userAgent, d2.protocolVersion, d2.firstSeen, d2.lastSeen], ['Apple-iPhone/2', '16.1', 1000, 2000]);
      assert.deepEqual(d2.info.userAgentHistory?.map((h) => h.userAgent), ['Apple-iPhone/1', 'Apple-iPhone/2']);
      const u = await store.devices.update(acct, dev, { status: 3, wipeAccountOnly: true, wipeRequestedAt: 3000, policyKey: 42, info: { ...d2.info, model: 'iPhone15,2' } });
      assert.deepEqual([u.status, u.wipeAccountOnly, u.wipeRequestedAt, u.policyKey, u.info.model], [3, true, 3000, 42, 'iPhone15,2']);
      // The same DeviceId under another account is another device.
      await store.devices.recordContact(other, dev, c1);
      assert.equal((await store.devices.get(other, dev))!.status, 0);
      assert.equal((await store.devices.list(acct)).length, 1);
      const dTwo = (await store.domains.getByName('two.test'))!;
      assert.deepEqual((await store.devices.listAll({ domainIds: [dTwo.id] })).map((d) => d.accountId), [other]);
      assert.equal((await store.devices.listAll()).length, 2);
      await store.devices.delete(acct, dev);
      assert.equal(await store.devices.get(acct, dev), null);
      assert.ok(await store.devices.get(other, dev));
      await rejectsKind(store.devices.delete(acct, dev), 'not-found');
      await rejectsKind(store.devices.update(acct, dev, { status: 1 }), 'not-found');
    });

    test('devices: search joins the accounts, filters by domain, role and text, sorts and pages in the database', async () => {
      const fx = await createDevices(store, { devices: 150, accounts: 12, domains: 3, prefix: 'sr' });
      const domainIds = await Promise.all(fx.domains.map(async (n) => (await store.domains.getByName(n))!.id));
      const key = (r: { account: { email: string }; device: { deviceId: string } }) => `${r.account.email}/${r.device.deviceId}`;
      const keys = (list: FixtureDevice[]) => list.map((d) => `${d.account}/${d.deviceId}`);
      const mine = { domainIds };
      for (const sort of DEVICE_SORTS) {
        for (const order of ['asc', 'desc'] as const) {
          const all = await store.devices.search({ ...mine, sort, order, offset: 0 });
          assert.deepEqual(all.rows.map(key), keys(expectedOrder(fx.devices, sort, order)), `${sort} ${order}`);
          assert.equal(all.total, 150);
          // Pages of 40: the same sequence, nothing twice, the total on each.
          const paged: string[] = [];
          for (let offset = 0; offset < 150; offset += 40) {
            const page = await store.devices.search({ ...mine, sort, order, offset, limit: 40 });
            assert.equal(page.total, 150);
            paged.push(...page.rows.map(key));
          }
          assert.deepEqual(paged, all.rows.map(key), `${sort} ${order} paged`);
        }
      }
      const past = await store.devices.search({ ...mine, sort: 'id', order: 'asc', offset: 500, limit: 10 });
      assert.deepEqual([past.total, past.rows.length], [150, 0]);
      const tail = await store.devices.search({ ...mine, sort: 'id', order: 'asc', offset: 140 });
      assert.deepEqual([tail.total, tail.rows.length], [150, 10], 'an offset without a limit: the rest');
      const first = (await store.devices.search({ ...mine, sort: 'account', order: 'asc', offset: 0, limit: 1 })).rows[0]!;
      assert.deepEqual(first.account, await store.accounts.getById(first.account.id), 'the whole account comes with the device');
      assert.deepEqual(first.device, await store.devices.get(first.account.id, first.device.deviceId));

      // Text: part of an address, an id, a type, a model or a friendly name, in any case.
      const found = async (q: string) => (await store.devices.search({ ...mine, q, sort: 'account', order: 'asc', offset: 0 })).rows.map(key);
      for (const q of ['sruser3@', 'APPLIPAD0000', 'pixel 7', 'samsung', 'iphone 15 of', ' Outlook FOR ']) {
        const expected = keys(expectedOrder(fx.devices.filter((d) => expectedMatch(d, q)), 'account', 'asc'));
        assert.deepEqual(await found(q), expected, q);
      }
      assert.ok((await found('pixel 7')).length > 0);
      assert.deepEqual(await found('ipados 17.2'), [], 'the OS is sorted on, not searched');
      // LIKE's wildcards and escape character are plain text.
      for (const q of ['%', '_', '\\', 'sr%dom']) assert.deepEqual(await found(q), [], q);
      const target = fx.devices[5]!;
      const acc = fx.accounts.find((a) => a.email === target.account)!;
      await store.devices.update(acc.id, asDeviceId(target.deviceId), { info: { model: 'Nokia 3310', friendlyName: 'ÉCRAN de Jörg 50%_off\\' } });
      for (const q of ['50%_off\\', 'écran de jÖrg', 'NOKIA 33']) assert.deepEqual(await found(q), [`${target.account}/${target.deviceId}`], q);
      assert.deepEqual((await found(target.model)).includes(`${target.account}/${target.deviceId}`), false, 'the old model is forgotten');
      assert.equal((await found('   ')).length, 150, 'blank text: everything');

      // Domains and roles.
      const one = await store.devices.search({ domainIds: [domainIds[1]!], sort: 'account', order: 'asc', offset: 0, limit: 5 });
      assert.equal(one.total, fx.devices.filter((d) => d.account.endsWith(`@${fx.domains[1]!}`)).length);
      assert.ok(one.rows.every((r) => r.account.domainId === domainIds[1]));
      assert.deepEqual(await store.devices.search({ domainIds: [], sort: 'account', order: 'asc', offset: 0 }), { total: 0, rows: [] });
      await store.accounts.update(fx.accounts[2]!.id, { isGlobalAdmin: true });
      const withoutAdmins = await store.devices.search({ ...mine, excludeGlobalAdmins: true, sort: 'lastSeen', order: 'desc', offset: 0, limit: 3 });
      assert.equal(withoutAdmins.total, 150 - fx.devices.filter((d) => d.account === fx.accounts[2]!.email).length);
      const everywhere = await store.devices.search({ sort: 'account', order: 'asc', offset: 0, limit: 1 });
      assert.ok(everywhere.total > 150, 'no domain filter: the other tests\' devices too');
      await store.accounts.update(fx.accounts[2]!.id, { isGlobalAdmin: false });
    });

    test('device state: collection positions, hierarchy, records and held items, reset per collection or per device', async () => {
      const dev = asDeviceId('StateDev1');
      await store.devices.recordContact(other, dev, { deviceType: 'Android', userAgent: 'x', protocolVersion: '14.1', address: '', at: 1 });
      const folder = await store.mailbox.createFolder(other, { parentId: null, name: 'StateFolder', kind: 'mail' });
      const items = [];
      for (let i = 0; i < 5; i++) items.push(await store.mailbox.addMessage(other, folder.id, { raw: raw(`s${i}`), meta: meta(`s${i}`), receivedAt: 1000 * (i + 1) }));
      const coll = String(folder.id);
      assert.equal(await store.deviceState.getCollection(other, dev, coll), null);
      await store.deviceState.putCollection(other, dev, coll, '{g}1', '{"a":1}');
      await store.deviceState.putCollection(other, dev, coll, '{g}2', '{"a":2}');
      await store.deviceState.putHierarchy(other, dev, '{h}1', '{}');
      assert.deepEqual((await store.deviceState.getCollection(other, dev, coll))?.key, '{g}2');
      assert.deepEqual((await store.deviceState.listCollections(other, dev)).map((c) => c.collectionId), [coll], 'the hierarchy is not a collection');
      // The hierarchy's position: replaced, or only over the key read (else 'conflict').
      await store.deviceState.putHierarchy(other, dev, '{h}2', '{"n":2}', '{h}1');
      await rejectsKind(store.deviceState.putHierarchy(other, dev, '{h}3', '{}', '{h}1'), 'conflict');
      assert.deepEqual(await store.deviceState.getHierarchy(other, dev).then((h) => h && [h.key, h.data]), ['{h}2', '{"n":2}']);
      // Device records: one text per kind, per device.
      assert.equal(await store.deviceState.getRecord(other, dev, 'ping'), null);
      await store.deviceState.putRecord(other, dev, 'ping', '{"heartbeat":60,"folders":[]}');
      await store.deviceState.putRecord(other, dev, 'ping', '{"heartbeat":90,"folders":["1"]}');
      await store.deviceState.putRecord(other, dev, 'sent-client-ids', '[]');
      assert.equal(await store.deviceState.getRecord(other, dev, 'ping'), '{"heartbeat":90,"folders":["1"]}');
      assert.equal(await store.deviceState.getRecord(other, asDeviceId('OtherDev'), 'ping'), null);
      await rejectsKind(store.deviceState.putRecord(other, dev, '#ping' as 'ping', '{}'), 'invalid');
      await store.deviceState.deleteRecords(other, dev, ['sent-client-ids']);
      assert.equal(await store.deviceState.getRecord(other, dev, 'sent-client-ids'), null);
      assert.ok(await store.deviceState.getRecord(other, dev, 'ping'));

      assert.equal(await store.deviceState.countUnsent(other, dev, coll, folder.id), 5);
      assert.equal(await store.deviceState.countUnsent(other, dev, coll, folder.id, { receivedSince: 3000 }), 3);
      const first = await store.deviceState.unsent(other, dev, coll, folder.id, { limit: 2 });
      assert.deepEqual(first.map((i) => i.id), [items[0]!.id, items[1]!.id]);
      await store.deviceState.recordHeld(other, dev, coll, first.map((i) => ({ itemId: i.id, modseq: i.modseq })), []);
      const next = await store.deviceState.unsent(other, dev, coll, folder.id, { limit: 10 });
      assert.deepEqual(next.map((i) => i.id), items.slice(2).map((i) => i.id));
      assert.deepEqual((await store.deviceState.unsent(other, dev, coll, folder.id, { limit: 10, afterId: items[3]!.id })).map((i) => i.id), [items[4]!.id]);
      const held = await store.deviceState.held(other, dev, coll, [items[0]!.id, items[3]!.id]);
      assert.deepEqual([...held.keys()], [items[0]!.id]);
      await store.deviceState.recordHeld(other, dev, coll, [{ itemId: items[0]!.id, modseq: 999 }], [items[1]!.id]);
      assert.equal((await store.deviceState.held(other, dev, coll, [items[0]!.id])).get(items[0]!.id), 999);
      assert.equal(await store.deviceState.countHeld(other, dev, coll), 1);
      assert.deepEqual(await store.deviceState.heldBefore(other, dev, coll, folder.id, 1500, 10), [items[0]!.id]);
      // Another device, or another collection, holds nothing of it.
      assert.equal(await store.deviceState.countHeld(other, asDeviceId('OtherDev'), coll), 0);
      const many = Array.from({ length: 450 }, (_, i) => ({ itemId: asItemId(1_000_000 + i), modseq: i }));
      await store.deviceState.recordHeld(other, dev, 'big', many, []);
      assert.equal((await store.deviceState.held(other, dev, 'big', many.map((m) => m.itemId))).size, 450);

      await store.deviceState.reset(other, dev, coll);
      assert.equal(await store.deviceState.getCollection(other, dev, coll), null);
      assert.equal(await store.deviceState.countHeld(other, dev, coll), 0);
      assert.ok(await store.deviceState.getHierarchy(other, dev), 'a collection reset leaves the hierarchy');
      assert.ok(await store.deviceState.getRecord(other, dev, 'ping'), 'and the records');
      await store.deviceState.reset(other, dev);
      assert.deepEqual(await store.deviceState.listCollections(other, dev), []);
      assert.equal(await store.deviceState.getHierarchy(other, dev), null);
      assert.equal(await store.deviceState.getRecord(other, dev, 'ping'), null);
      assert.equal(await store.deviceState.countHeld(other, dev, 'big'), 0);
      assert.ok(await store.devices.get(other, dev), 'the device record stays');
      await store.deviceState.putCollection(other, dev, coll, '{g}1', '{}');
      await store.deviceState.recordHeld(other, dev, coll, [{ itemId: items[2]!.id, modseq: 1 }], []);
      await store.deviceState.putHierarchy(other, dev, '{h}1', '{}');
      await store.deviceState.putRecord(other, dev, 'meeting-answers', '[]');
      await store.devices.delete(other, dev);
      assert.deepEqual(await store.deviceState.listCollections(other, dev), [], 'removing the device removes its state');
      assert.equal(await store.deviceState.getHierarchy(other, dev), null);
      assert.equal(await store.deviceState.getRecord(other, dev, 'meeting-answers'), null);
      assert.equal(await store.deviceState.countHeld(other, dev, coll), 0);
    });

    test('class items (notes): added with their data, changed only when the data changes, isolated per account', async () => {
      const notes = (await store.mailbox.getFolderByRole(acct, 'notes'))!;
      const start = await store.mailbox.currentModseq(acct);
      const n = await store.mailbox.addItem(acct, notes.id, { kind: 'note', data: { subject: 'Milk', body: 'two litres' }, categories: ['Home'] });
      assert.deepEqual([n.kind, n.blobId, n.data, n.categories, n.modseq], ['note', null, { subject: 'Milk', body: 'two litres' }, ['Home'], start + 1]);
      const same = await store.mailbox.updateItemData(acct, n.id, { subject: 'Milk', body: 'two litres' });
      assert.equal(same.modseq, n.modseq, 'no change, no modseq');
      const u = await store.mailbox.updateItemData(acct, n.id, { subject: 'Milk', body: 'three litres' }, []);
      assert.deepEqual([u.data, u.categories, u.modseq], [{ subject: 'Milk', body: 'three litres' }, [], start + 2]);
      assert.deepEqual((await store.mailbox.changesSince(acct, start)).map((c) => c.kind), ['item-added', 'item-changed']);
      await rejectsKind(store.mailbox.updateItemData(other, n.id, {}), 'not-found');
      await rejectsKind(store.mailbox.addItem(other, notes.id, { kind: 'note', data: {} }), 'not-found');
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const m = await store.mailbox.addMessage(acct, inbox.id, { raw: raw('not-a-note'), meta: meta('not-a-note') });
      await rejectsKind(store.mailbox.updateItemData(acct, m.id, {}), 'invalid');
    });

    test('full-text search: words of subject, people and body, per account, gone with the item, folder and date filters, paging', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const sub = await store.mailbox.createFolder(acct, { parentId: inbox.id, name: 'Search sub', kind: 'mail' });
      const add = (folder: typeof inbox, subject: string, text: string, at: number) =>
        store.mailbox.addMessage(acct, folder.id, { raw: raw(subject), meta: { ...meta(subject), from: [{ name: 'Zed Ürgen', address: 'zed@far.test' }] }, text, receivedAt: at });
      const a = await add(inbox, 'Alpha report', 'nothing special here', 1000);
      const b = await add(sub, 'Other', 'the alphabet soup', 2000);
      await add(inbox, 'Third', 'unrelated words', 3000);
      await store.mailbox.addMessage(other, (await store.mailbox.getFolderByRole(other, 'inbox'))!.id, { raw: raw('x'), meta: meta('Alpha elsewhere'), text: 'alpha' });
      const find = async (text: string, extra: Partial<Parameters<typeof store.mailbox.searchMessages>[1]> = {}) => {
        const r = await store.mailbox.searchMessages(acct, { text, offset: 0, limit: 10, ...extra });
        return { total: r.total, ids: r.items.map((i) => i.id) };
      };
      assert.deepEqual(await find('alpha'), { total: 2, ids: [b.id, a.id] });
      assert.deepEqual(await find('urgen'), { total: 3, ids: (await find('zed')).ids });
      assert.deepEqual(await find('far.test'), { total: 3, ids: (await find('zed')).ids });
      assert.deepEqual(await find('alpha', { folderIds: [inbox.id] }), { total: 1, ids: [a.id] });
      assert.deepEqual(await find('alpha', { receivedAfter: 1500 }), { total: 1, ids: [b.id] });
      assert.deepEqual(await find('alpha', { receivedBefore: 1500 }), { total: 1, ids: [a.id] });
      assert.deepEqual(await find('alpha', { offset: 1, limit: 1 }), { total: 2, ids: [a.id] });
      assert.deepEqual(await find('"); DROP TABLE items; --'), { total: 0, ids: [] }, 'query syntax is not passed through');
      await store.mailbox.deleteItem(acct, b.id);
      assert.deepEqual(await find('alpha'), { total: 1, ids: [a.id] });
      await store.mailbox.deleteFolder(acct, sub.id);
    });

    test('search without text: by folder and strict received_at bounds, latest received first, per account, paged', async () => {
      const inbox = await store.mailbox.createFolder(acct, { parentId: null, name: 'Dated', kind: 'mail' });
      const side = await store.mailbox.createFolder(acct, { parentId: null, name: 'Dated side', kind: 'mail' });
      const add = (folder: typeof inbox, subject: string, at: number) =>
        store.mailbox.addMessage(acct, folder.id, { raw: raw(subject), meta: meta(subject), text: subject, receivedAt: at });
      // Added out of date order: the order must come from received_at, not from the ids.
      const d30 = await add(inbox, 'd30', 30_000);
      const d10 = await add(inbox, 'd10', 10_000);
      const d20 = await add(side, 'd20', 20_000);
      const d40 = await add(inbox, 'd40', 40_000);
      const otherInbox = (await store.mailbox.getFolderByRole(other, 'inbox'))!;
      await store.mailbox.addMessage(other, otherInbox.id, { raw: raw('o'), meta: meta('o'), receivedAt: 25_000 });
      const dated = async (extra: Partial<Parameters<typeof store.mailbox.searchMessages>[1]>) => {
        const r = await store.mailbox.searchMessages(acct, { offset: 0, limit: 10, folderIds: [inbox.id, side.id], ...extra });
        return { total: r.total, ids: r.items.map((i) => i.id) };
      };
      assert.deepEqual(await dated({ receivedAfter: 10_000, receivedBefore: 40_000 }), { total: 2, ids: [d30.id, d20.id] }, 'both bounds are strict');
      assert.deepEqual(await dated({ receivedAfter: 9_999, receivedBefore: 40_001 }), { total: 4, ids: [d40.id, d30.id, d20.id, d10.id] });
      assert.deepEqual(await dated({ receivedAfter: 9_999, folderIds: [inbox.id] }), { total: 3, ids: [d40.id, d30.id, d10.id] });
      assert.deepEqual(await dated({ receivedBefore: 35_000, offset: 1, limit: 1 }), { total: 3, ids: [d20.id] });
      assert.deepEqual(await dated({ receivedAfter: 50_000 }), { total: 0, ids: [] });
      // Without folders: every mail folder of the account, never another account's mail.
      const everywhere = await store.mailbox.searchMessages(acct, { offset: 0, limit: 10, receivedAfter: 15_000, receivedBefore: 35_000 });
      assert.deepEqual(everywhere.items.map((i) => i.id), [d30.id, d20.id]);
      assert.deepEqual(await dated({ folderIds: [otherInbox.id], receivedAfter: 0 }), { total: 0, ids: [] }, 'another account\'s folder is not searched');
      // A text that has no word still matches nothing (it is not "no text").
      assert.equal((await dated({ text: '!!!', receivedAfter: 0 })).total, 0);
      await store.mailbox.deleteFolder(acct, inbox.id);
      await store.mailbox.deleteFolder(acct, side.id);
    });

    test('web sessions: by token hash, touched, pruned by idle time or age, gone with the account', async () => {
      const base = { accountId: acct, scope: 'user' as const, credentialId: null, csrfSecret: 'secret', remoteAddress: '127.0.0.1', userAgent: 'ua' };
      await store.webSessions.create({ ...base, idHash: 'h-fresh', createdAt: 1000, lastSeen: 1000 });
      await store.webSessions.create({ ...base, idHash: 'h-idle', createdAt: 1000, lastSeen: 1000 });
      await store.webSessions.create({ ...base, idHash: 'h-old', createdAt: 10, lastSeen: 5000 });
      await rejectsKind(store.webSessions.create({ ...base, idHash: 'h-fresh', createdAt: 1, lastSeen: 1 }), 'exists');
      assert.deepEqual(await store.webSessions.get('h-fresh'), { ...base, idHash: 'h-fresh', createdAt: 1000, lastSeen: 1000 });
      assert.equal(await store.webSessions.get('nope'), null);
      await store.webSessions.touch('h-fresh', 4000);
      assert.equal((await store.webSessions.get('h-fresh'))?.lastSeen, 4000);
      // Idle before 2000 or created before 100: h-idle and h-old go.
      assert.equal(await store.webSessions.prune(2000, 100), 2);
      assert.ok(await store.webSessions.get('h-fresh'));
      const temp = (await store.accounts.create({ email: 'temp@one.test', passwordHash: 'h' })).id;
      await store.webSessions.create({ ...base, accountId: temp, idHash: 'h-temp', createdAt: 1, lastSeen: 1 });
      await store.accounts.delete(temp);
      assert.equal(await store.webSessions.get('h-temp'), null, 'deleted with its account');
      assert.equal(await store.webSessions.deleteForAccount(acct), 1);
      assert.equal(await store.webSessions.get('h-fresh'), null);
    });

    test('ping answers', async () => {
      await store.ping();
    });

    test('driver failures come out of every repository method and transaction as StoreErrors; others pass unchanged', async () => {
      // A method replaced on a repository still goes through the translation (this is how a failure is injected).
      const settings = store.settings as unknown as Record<string, unknown>;
      const driverError = (code: string) => Object.assign(new Error(`injected ${code}`), { code });
      try {
        for (const code of ['57P01', '08006', '40P01', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'ECONNREFUSED']) {
          settings.get = () => Promise.reject(driverError(code));
          await rejectsKind(store.settings.get('global', 'x'), 'temporary');
        }
        settings.get = () => Promise.reject(new Error('Connection terminated unexpectedly'));
        await rejectsKind(store.settings.get('global', 'x'), 'temporary');
        settings.get = () => Promise.reject(driverError('23505'));
        await rejectsKind(store.settings.get('global', 'x'), 'exists');
        settings.get = () => Promise.reject(new StoreError('not-found', 'as thrown'));
        await assert.rejects(store.settings.get('global', 'x'), (e: unknown) => isStoreError(e, 'not-found') && e.message === 'as thrown');
        const other = new TypeError('not from the driver');
        settings.get = () => Promise.reject(other);
        await assert.rejects(store.settings.get('global', 'x'), (e: unknown) => e === other);
      } finally {
        delete settings.get;
      }
      assert.equal(await store.settings.get('global', 'x'), null);
      await rejectsKind(store.transaction(() => Promise.reject(driverError('40001'))), 'temporary');
      await rejectsKind(store.transaction(async (tx) => {
        const s = tx.settings as unknown as Record<string, unknown>;
        s.set = () => Promise.reject(driverError('SQLITE_BUSY'));
        await tx.settings.set('global', 'x', 'y');
      }), 'temporary');
      assert.equal(await store.settings.get('global', 'x'), null);
    });

    test('imap: lazy UIDs ascending, expunged UIDs recorded, moves get a new UID, UIDVALIDITY new for a re-created folder', async () => {
      const id = (await store.accounts.create({ email: 'imap@one.test', passwordHash: 'h' })).id;
      const inbox = (await store.mailbox.getFolderByRole(id, 'inbox'))!;
      const box = await store.mailbox.createFolder(id, { parentId: null, name: 'Box', kind: 'mail' });
      assert.equal(await store.imap.state(id, inbox.id), null);
      const a = await store.mailbox.addMessage(id, inbox.id, { raw: raw('a'), meta: meta('a'), receivedAt: 2000 });
      const b = await store.mailbox.addMessage(id, inbox.id, { raw: raw('b'), meta: meta('b'), receivedAt: 1000 });
      const s1 = await store.imap.sync(id, inbox.id);
      assert.ok(s1.uidValidity > 0);
      assert.equal(s1.uidNext, 3);
      // Oldest received first.
      assert.deepEqual((await store.imap.entries(id, inbox.id)).map((e) => [e.uid, e.itemId]), [[1, b.id], [2, a.id]]);
      assert.deepEqual(await store.imap.sync(id, inbox.id), s1, 'a second sync assigns nothing');
      assert.deepEqual(await store.imap.uids(id, inbox.id), [1, 2]);
      assert.deepEqual(await store.imap.uids(id, inbox.id, 2), [2]);
      // The first bytes of blobs in bulk (FETCH ENVELOPE).
      const heads = await store.imap.heads([a.blobId!, b.blobId!, asBlobId('nope')], 12);
      assert.equal(heads.size, 2);
      assert.equal(Buffer.from(heads.get(a.blobId!)!).toString(), 'Subject: a\r\n');
      // With the modseq of an earlier sync: nothing of the folder in the log since, nothing done; else a sync.
      const mark0 = await store.mailbox.currentModseq(id);
      await store.mailbox.addMessage(id, box.id, { raw: raw('elsewhere'), meta: meta('elsewhere') });
      assert.deepEqual(await store.imap.sync(id, inbox.id, mark0), s1);
      const c = await store.mailbox.addMessage(id, inbox.id, { raw: raw('c'), meta: meta('c') });
      assert.equal((await store.imap.sync(id, inbox.id, mark0)).uidNext, 4);
      // A flag change raises the entry's modseq; CHANGEDSINCE sees only it.
      const mark = await store.mailbox.currentModseq(id);
      await store.mailbox.updateItem(id, a.id, { flags: { seen: true } });
      const changed = await store.imap.entries(id, inbox.id, { changedSince: mark });
      assert.deepEqual(changed.map((e) => [e.uid, e.flags.seen]), [[2, true]]);
      // \Deleted is IMAP's own; it has a modseq of its own too.
      const dm = await store.imap.setDeleted(id, inbox.id, [1, 3, 99], true);
      assert.ok(dm > mark);
      assert.equal(await store.imap.setDeleted(id, inbox.id, [1], true), 0, 'already set: nothing changes');
      assert.deepEqual((await store.imap.entries(id, inbox.id, { changedSince: dm - 1 })).map((e) => [e.uid, e.deleted]), [[1, true], [3, true]]);
      // Deleted and moved messages leave; the moved one gets a new UID in its new folder.
      const before = await store.mailbox.currentModseq(id);
      await store.mailbox.deleteItem(id, b.id);
      await store.mailbox.moveItem(id, c.id, box.id);
      const sb = await store.imap.sync(id, box.id);
      assert.deepEqual((await store.imap.entries(id, box.id)).map((e) => e.itemId).slice(-1), [c.id]);
      assert.equal(sb.uidNext, 3);
      // Incremental (the modseq before the delete and the move): the change log names both.
      await store.imap.sync(id, inbox.id, before);
      assert.deepEqual((await store.imap.entries(id, inbox.id)).map((e) => e.uid), [2]);
      assert.deepEqual(await store.imap.vanishedSince(id, inbox.id, before), [1, 3]);
      assert.deepEqual(await store.imap.vanishedSince(id, inbox.id, await store.mailbox.currentModseq(id)), []);
      assert.deepEqual((await store.imap.entries(id, inbox.id, { minUid: 3 })), []);
      // Moved back: a new UID again, above every earlier one.
      await store.mailbox.moveItem(id, c.id, inbox.id);
      assert.equal((await store.imap.sync(id, inbox.id)).uidNext, 5);
      assert.deepEqual((await store.imap.entries(id, inbox.id)).map((e) => [e.uid, e.itemId]), [[2, a.id], [4, c.id]]);
      // A folder deleted and created again under the same name gets a new UIDVALIDITY.
      await store.mailbox.deleteFolder(id, box.id);
      const again = await store.mailbox.createFolder(id, { parentId: null, name: 'Box', kind: 'mail' });
      assert.notEqual((await store.imap.sync(id, again.id)).uidValidity, sb.uidValidity);
      await rejectsKind(store.imap.sync(id, box.id), 'not-found');
      await rejectsKind(store.imap.sync(other, inbox.id), 'not-found');
      assert.deepEqual(await store.imap.entries(other, inbox.id), [], 'another account sees nothing');
      await store.accounts.delete(id);
    });

    test('imap: concurrent syncs of one folder never hand out a UID twice', async () => {
      const id = (await store.accounts.create({ email: 'imap2@one.test', passwordHash: 'h' })).id;
      const inbox = (await store.mailbox.getFolderByRole(id, 'inbox'))!;
      const adds: Promise<unknown>[] = [];
      const syncs: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        adds.push(store.mailbox.addMessage(id, inbox.id, { raw: raw(`m${i}`), meta: meta(`m${i}`) }));
        syncs.push(store.imap.sync(id, inbox.id));
      }
      await Promise.all([...adds, ...syncs]);
      const final = await store.imap.sync(id, inbox.id);
      const uids = (await store.imap.entries(id, inbox.id)).map((e) => e.uid);
      assert.equal(uids.length, 20);
      assert.equal(new Set(uids).size, 20);
      assert.deepEqual(uids, [...uids].sort((x, y) => x - y));
      assert.equal(final.uidNext, uids.at(-1)! + 1);
      await store.accounts.delete(id);
    });

    test('a PostgreSQL session terminated under a query is recognised as temporary', { skip: backend.name !== 'postgres' }, async () => {
      // The real driver error (SQLSTATE 57P01), not an imitation of it.
      const killed = await sql`select pg_terminate_backend(pg_backend_pid())`.execute(store.db).then(() => null, (e: unknown) => e);
      assert.ok(killed, 'the query failed');
      assert.throws(() => translate(killed, 'probe'), (e: unknown) => isStoreError(e, 'temporary'));
      // The dead session may be handed out once more before the pool notices: that use fails as temporary
      // too (no crash), and the pool then serves from a fresh connection.
      await until(async () => {
        try {
          await store.ping();
          return true;
        } catch (err) {
          assert.ok(isStoreError(err, 'temporary'), String(err));
          return false;
        }
      }, 'the pool serving again');
      assert.ok(await store.accounts.getById(acct));
    });
  });
}
