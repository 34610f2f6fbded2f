// Full-text search as issue 16 part 4 reshaped it (src/store/sql/search.ts, migration 017), on every backend:
// a query word still matches every indexed word it begins, whether SQLite reads it as the exact term, as
// the few longer words it begins, or as a prefix (more than eight); the bound of "words that begin with"
// holds for letters past ASCII; PostgreSQL's copy of the folder on the index row follows a moved message;
// Total stops at 1,000 while a page may still reach past it, as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccountId } from '../src/core/ids.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import type { Folder, MessageMeta } from '../src/store/types.js';
import { backends } from './helpers/stores.js';

const meta = (subject: string): MessageMeta => ({
  subject, from: [{ name: 'A', address: 'a@x.test' }], to: [], cc: [], replyTo: [], messageId: `<${subject}@x>`,
  inReplyTo: null, references: [], sentAt: null, hasAttachments: false, preview: '', importance: 1,
});
const raw = (s: string) => Buffer.from(`Subject: ${s}\r\n\r\nbody ${s}\r\n`);

for (const backend of backends) {
  describe(`search terms: ${backend.name}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let acct: AccountId;
    let other: AccountId;
    let inbox: Folder;

    before(async () => {
      ({ store, cleanup } = await backend.open());
      await store.domains.create('one.test');
      acct = (await store.accounts.create({ email: 'alice@one.test', passwordHash: 'h1' })).id;
      other = (await store.accounts.create({ email: 'bob@one.test', passwordHash: 'h2' })).id;
      inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
    });
    after(() => cleanup());

    const add = (folder: Folder, subject: string, text: string) =>
      store.mailbox.addMessage(acct, folder.id, { raw: raw(subject), meta: meta(subject), text });
    const find = async (text: string, extra: { folderIds?: Folder['id'][]; offset?: number; limit?: number } = {}) => {
      const r = await store.mailbox.searchMessages(acct, { text, offset: 0, limit: 20, ...extra });
      return { total: r.total, ids: r.items.map((i) => i.id) };
    };

    test('a word matches itself and every longer word it begins: exact, a few, many, past ASCII', async () => {
      const exact = await add(inbox, 'one', 'the kumquat arrived');
      const longer = await add(inbox, 'two', 'kumquats and kumquatery');
      const other1 = await add(inbox, 'three', 'nothing of the sort');
      // Another account's longer word is in the same index: it must not make this account's search wider.
      await store.mailbox.addMessage(other, (await store.mailbox.getFolderByRole(other, 'inbox'))!.id, { raw: raw('x'), meta: meta('x'), text: 'kumquatzzz' });
      assert.deepEqual(await find('kumquat'), { total: 2, ids: [longer.id, exact.id] }, 'the word and the two it begins');
      assert.deepEqual(await find('kumquats'), { total: 1, ids: [longer.id] }, 'a word that begins nothing else');
      assert.deepEqual(await find('kumq'), { total: 2, ids: [longer.id, exact.id] });
      assert.deepEqual(await find('ku'), { total: 2, ids: [longer.id, exact.id] }, 'a short word goes straight to the prefix query');
      assert.deepEqual(await find('kumquatery'), { total: 1, ids: [longer.id] });
      assert.deepEqual(await find('kumquatz'), { total: 0, ids: [] }, 'only the other account has it');
      assert.deepEqual(await find('sort kumquat'), { total: 0, ids: [] }, 'every word must match the same message');
      assert.deepEqual(await find('sort'), { total: 1, ids: [other1.id] });

      // Twelve longer words (more than the eight matched one by one): the prefix query, same answer.
      const many = [];
      for (let i = 0; i < 12; i++) many.push(await add(inbox, `m${i}`, `persimmon${i.toString(36)}x`));
      const plain = await add(inbox, 'plain', 'persimmon');
      assert.deepEqual(await find('persimmon'), { total: 13, ids: [plain, ...many].map((m) => m.id).sort((a, b) => b - a) });
      assert.deepEqual(await find('persimmon1'), { total: 1, ids: [many[1]!.id] });

      // Letters past ASCII sort after every ASCII one in the index: they are inside the bound, and a word
      // that only begins with the query's letters (not the query plus one) is not.
      const cyr = await add(inbox, 'cyr', 'quinceж and quinceжж');
      const greek = await add(inbox, 'greek', 'quinceλ');
      await add(inbox, 'near', 'quincf quinc');
      assert.deepEqual(await find('quince'), { total: 2, ids: [greek.id, cyr.id] });
      assert.deepEqual(await find('quinceж'), { total: 1, ids: [cyr.id] });
    });

    test('a moved message is found in its new folder only; a deleted one nowhere', async () => {
      const side = await store.mailbox.createFolder(acct, { parentId: null, name: 'Side', kind: 'mail' });
      const m = await add(inbox, 'moving', 'tamarind');
      assert.deepEqual(await find('tamarind', { folderIds: [inbox.id] }), { total: 1, ids: [m.id] });
      await store.mailbox.moveItem(acct, m.id, side.id);
      assert.deepEqual(await find('tamarind', { folderIds: [inbox.id] }), { total: 0, ids: [] });
      assert.deepEqual(await find('tamarind', { folderIds: [side.id] }), { total: 1, ids: [m.id] });
      assert.deepEqual(await find('tamarind'), { total: 1, ids: [m.id] });
      // Within a date range the same folder rule holds (PostgreSQL joins items there).
      assert.deepEqual(await store.mailbox.searchMessages(acct, { text: 'tamarind', offset: 0, limit: 5, folderIds: [side.id], receivedAfter: 0 }).then((r) => r.items.map((i) => i.id)), [m.id]);
      await store.mailbox.deleteItem(acct, m.id);
      assert.deepEqual(await find('tamarind'), { total: 0, ids: [] });
    });

    test('Total stops at 1,000; a page that reaches past it is still served, one starting past it is empty', async () => {
      const folder = await store.mailbox.createFolder(acct, { parentId: null, name: 'Bulk', kind: 'mail' });
      const items = await store.mailbox.addMessages(acct, folder.id, Array.from({ length: 1_005 }, (_, i) => ({ raw: raw(`bulk ${i}`), meta: meta(`bulk ${i}`), text: 'guava' })));
      const newest = items.map((i) => i.id).sort((a, b) => b - a);
      const first = await find('guava', { limit: 3 });
      assert.deepEqual(first, { total: 1_000, ids: newest.slice(0, 3) });
      assert.deepEqual(await find('guava', { offset: 998, limit: 5 }), { total: 1_000, ids: newest.slice(998, 1_003) });
      assert.deepEqual(await find('guava', { offset: 1_000, limit: 5 }), { total: 1_000, ids: [] });
    });
  });
}
