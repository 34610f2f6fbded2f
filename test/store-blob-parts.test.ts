// Message blobs in 256 KiB parts (migration 018, issue 16 part 5) on both backends: a large message given
// as parts (a header block and a body view, as SendMail hands it over) reads back byte for byte, takes one
// row per part, shares its rows with an identical copy, and its parts go with the last item using it;
// a blob stored the old way (all bytes in `blobs.data`) still reads; a message in many small parts (a
// request body's socket chunks) is stored the same; a message over 4 MiB goes through a 2 MiB page cache
// on SQLite, which gets its size back after. And the byte-parts helpers cut parts correctly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { eachPieceIn, joined, piecesOf, prefixOf, sliceFrom, someIncludes, viewsOf } from '../src/core/byte-parts.js';
import { isStoreError } from '../src/core/errors.js';
import { asBlobId, type AccountId } from '../src/core/ids.js';
import { emptyMeta } from '../src/mail/parse.js';
import { BLOB_PART, BULK_BLOB, blobIdOf, withBulkCache } from '../src/store/sql/blob-store.js';
import { SQLITE_CACHE_KIB } from '../src/store/sql/connect.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { backends } from './helpers/stores.js';

test('piecesOf: views of at most `size` bytes, in order, joining what straddles two parts', () => {
  const a = randomBytes(10);
  const b = randomBytes(25);
  const c = randomBytes(3);
  const pieces = [...piecesOf([a, b, c], 8)];
  assert.deepEqual(pieces.map((p) => p.length), [8, 8, 8, 8, 6]);
  assert.deepEqual(Buffer.concat(pieces), Buffer.concat([a, b, c]));
  // A single part is cut into views of it (no copy): they share its memory.
  const one = [...piecesOf(b, 10)];
  assert.equal(one[0]!.buffer, b.buffer);
  assert.deepEqual([...piecesOf([], 8)], []);
  assert.deepEqual(prefixOf([a, b], 12), Buffer.concat([a, b]).subarray(0, 12));
  assert.deepEqual(prefixOf([a, b], 100), Buffer.concat([a, b]));
});

test('viewsOf, sliceFrom, eachPieceIn, someIncludes over many small parts', async () => {
  const parts = [randomBytes(5), randomBytes(20), randomBytes(1), randomBytes(9)];
  const whole = Buffer.concat(parts);
  const views = [...viewsOf(parts, 8)];
  assert.deepEqual(views.map((v) => v.length), [5, 8, 8, 4, 1, 8, 1]);
  assert.ok(views.every((v) => parts.some((p) => p.buffer === v.buffer)), 'views, never joined');
  assert.deepEqual(Buffer.concat(sliceFrom(parts, 7)), whole.subarray(7));
  assert.deepEqual(Buffer.concat(sliceFrom(parts, 25)), whole.subarray(25));
  assert.deepEqual(sliceFrom(parts, 35), []);
  const scratch = Buffer.alloc(8);
  const seen: Buffer[] = [];
  await eachPieceIn(parts, scratch, async (piece) => {
    assert.equal(piece.buffer, scratch.buffer, 'every piece is the one scratch buffer');
    seen.push(Buffer.from(piece));
    await Promise.resolve();
  });
  assert.deepEqual(seen.map((p) => p.length), [8, 8, 8, 8, 3]);
  assert.deepEqual(Buffer.concat(seen), whole);
  // A needle across two or three parts is found; one that is not there is not.
  const text = ['Content-Ty', 'p', 'e: text/cal', 'endar\r\n'].map((t) => Buffer.from(t, 'latin1'));
  assert.ok(someIncludes(text, 'text/calendar'));
  assert.ok(someIncludes(text, 'Content-Type'));
  assert.ok(!someIncludes(text, 'text/plain'));
});

for (const backend of backends) {
  describe(`blob parts: ${backend.name}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let acct: AccountId;
    before(async () => {
      ({ store, cleanup } = await backend.open());
      await store.domains.create('parts.test');
      acct = (await store.accounts.create({ email: 'ann@parts.test', passwordHash: 'h' })).id;
    });
    after(() => cleanup());

    const partRows = async (id: string): Promise<number> => (await store.db.selectFrom('blob_parts').select('seq').where('blob_id', '=', id).execute()).length;

    test('a message in 1000 small parts (socket chunks) is stored in 256 KiB rows, read back byte for byte', async () => {
      const chunks = [Buffer.from('From: ann@parts.test\r\nSubject: chunks\r\n\r\n', 'latin1'), ...Array.from({ length: 1000 }, (_, i) => randomBytes(1000 + (i % 97)))];
      const whole = Buffer.concat(chunks);
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: chunks, meta: emptyMeta() });
      assert.equal(item.blobId, blobIdOf(whole));
      assert.deepEqual(Buffer.from((await store.blobs.get(item.blobId))!), whole);
      assert.equal(await partRows(item.blobId), Math.ceil(whole.length / BLOB_PART) - 1);
      const rows = await store.db.selectFrom('blob_parts').select(['seq', 'data']).where('blob_id', '=', item.blobId).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => r.data.byteLength), rows.map((_, i) => Math.min(BLOB_PART, whole.length - (i + 1) * BLOB_PART)));
    });

    test('a 1 MiB message in two parts is stored in 256 KiB rows and reads back byte for byte', async () => {
      const head = Buffer.from('From: ann@parts.test\r\nSubject: big\r\n', 'latin1');
      const body = Buffer.concat([Buffer.from('\r\n\r\n'), randomBytes(1024 * 1024 + 17)]);
      const whole = Buffer.concat([head, body]);
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const sent = (await store.mailbox.getFolderByRole(acct, 'sent'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: [head, body], meta: emptyMeta() });
      assert.equal(item.size, whole.length);
      assert.equal(item.blobId, blobIdOf(whole), 'the id is the hash of the bytes, however they were split');
      assert.deepEqual(Buffer.from((await store.blobs.get(item.blobId))!), whole);
      const row = await store.db.selectFrom('blobs').select(['size', 'data']).where('id', '=', item.blobId).executeTakeFirstOrThrow();
      assert.equal(Number(row.size), whole.length);
      assert.equal(row.data.byteLength, BLOB_PART, 'the blobs row holds only the first part');
      assert.equal(await partRows(item.blobId), Math.ceil(whole.length / BLOB_PART) - 1);

      // The same bytes in a second folder (the Sent copy): one blob, its parts written once.
      const copy = await store.mailbox.addMessage(acct, sent.id, { raw: whole, meta: emptyMeta() });
      assert.equal(copy.blobId, item.blobId);
      assert.equal(await partRows(item.blobId), Math.ceil(whole.length / BLOB_PART) - 1);

      // The parts go with the last item that uses the blob.
      await store.mailbox.deleteItem(acct, item.id);
      assert.deepEqual(Buffer.from((await store.blobs.get(copy.blobId))!), whole);
      await store.mailbox.deleteItem(acct, copy.id);
      assert.equal(await store.blobs.get(copy.blobId), null);
      assert.equal(await partRows(copy.blobId), 0);
    });

    test('replaceMessage writes a large replacement in parts and drops the old parts', async () => {
      const drafts = (await store.mailbox.getFolderByRole(acct, 'drafts'))!;
      const first = randomBytes(600 * 1024);
      const second = [Buffer.from('Subject: v2\r\n\r\n'), randomBytes(300 * 1024)];
      const item = await store.mailbox.addMessage(acct, drafts.id, { raw: first, meta: emptyMeta() });
      const replaced = await store.mailbox.replaceMessage(acct, item.id, { raw: second, meta: emptyMeta() });
      assert.deepEqual(Buffer.from((await store.blobs.get(replaced.blobId!))!), joined(second));
      assert.equal(replaced.size, joined(second).length);
      assert.equal(await partRows(item.blobId!), 0, 'the first version is gone with its parts');
      await store.mailbox.deleteItem(acct, item.id);
    });

    test('a blob with a missing part is an error, not a message with a hole', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: randomBytes(BLOB_PART * 3), meta: emptyMeta() });
      await store.db.deleteFrom('blob_parts').where('blob_id', '=', item.blobId!).where('seq', '=', 1).execute();
      await assert.rejects(store.blobs.get(item.blobId!), /has \d+ of its \d+ bytes/);
      const handed: number[] = [];
      await assert.rejects(async () => { for await (const p of (await store.blobs.parts(item.blobId!))!) handed.push(p.byteLength); }, /has \d+ of its \d+ bytes/);
      assert.deepEqual(handed, [BLOB_PART], 'parts: nothing past the gap is handed out');
      await store.mailbox.deleteItem(acct, item.id);
      assert.equal(await partRows(item.blobId!), 0);
    });

    test('a blob stored before migration 018 (all bytes in blobs.data) still reads', async () => {
      const old = randomBytes(BLOB_PART * 2 + 5);
      const id = asBlobId(blobIdOf(old));
      await store.db.insertInto('blobs').values({ id, size: old.length, data: old }).execute();
      assert.deepEqual(Buffer.from((await store.blobs.get(id))!), old);
      await store.db.deleteFrom('blobs').where('id', '=', id).execute();
    });

    const collect = async (parts: AsyncIterable<Uint8Array>): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for await (const p of parts) out.push(Buffer.from(p));
      return out;
    };

    test('parts: the stored parts in order, unjoined; together they are get(id); stopping early reads no further', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      // Enough parts for several queries (a few parts each), the last one short.
      const whole = Buffer.concat([Buffer.from('Subject: streamed\r\n\r\n'), randomBytes(BLOB_PART * 9 + 1234)]);
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: [whole.subarray(0, 100), whole.subarray(100)], meta: emptyMeta() });
      const parts = await collect((await store.blobs.parts(item.blobId!))!);
      assert.deepEqual(parts.map((p) => p.length), [...Array<number>(9).fill(BLOB_PART), whole.length - 9 * BLOB_PART]);
      assert.deepEqual(Buffer.concat(parts), Buffer.from((await store.blobs.get(item.blobId!))!));
      assert.deepEqual(Buffer.concat(parts), whole);
      // Two consumers of one blob each get all of it (the iterable starts over).
      const again = (await store.blobs.parts(item.blobId!))!;
      let n = 0;
      for await (const p of again) {
        assert.equal(p.byteLength, BLOB_PART);
        if (++n === 2) break;
      }
      assert.equal(Buffer.concat(await collect(again)).length, whole.length);

      // The blob goes while it is read (its last item deleted): the reader is told, not handed a short message.
      const it = (await store.blobs.parts(item.blobId!))![Symbol.asyncIterator]();
      assert.equal((await it.next()).done, false);
      await store.mailbox.deleteItems(acct, [item.id]);
      await assert.rejects(async () => { while (!(await it.next()).done); }, (e: unknown) => isStoreError(e, 'invalid'));
      assert.equal(await store.blobs.parts(item.blobId!), null, 'no blob: null');
      assert.equal(await partRows(item.blobId!), 0, 'its parts went with it');
    });

    test('parts: a small message and a blob stored before migration 018 are one part', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const small = Buffer.from('Subject: one part\r\n\r\nhello\r\n');
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: small, meta: emptyMeta() });
      assert.deepEqual(await collect((await store.blobs.parts(item.blobId!))!), [small]);
      await store.mailbox.deleteItem(acct, item.id);
      const old = randomBytes(BLOB_PART * 2 + 5);
      const id = asBlobId(blobIdOf(old));
      await store.db.insertInto('blobs').values({ id, size: old.length, data: old }).execute();
      assert.deepEqual(await collect((await store.blobs.parts(id))!), [old]);
      await store.db.deleteFrom('blobs').where('id', '=', id).execute();
    });

    test('a message over 4 MiB: through a 2 MiB page cache on SQLite, restored after, even on failure', async () => {
      const cacheSize = async (): Promise<number | null> => (backend.name === 'sqlite'
        ? Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db)).rows[0]!.cache_size) : null);
      const configured = backend.name === 'sqlite' ? -SQLITE_CACHE_KIB : null;
      assert.equal(await cacheSize(), configured);
      const inside = await withBulkCache(store.db, store.dialect, BULK_BLOB + 1, cacheSize);
      assert.equal(inside, backend.name === 'sqlite' ? -2048 : null);
      assert.equal(await withBulkCache(store.db, store.dialect, BULK_BLOB, cacheSize), configured, 'at 4 MiB: the usual cache');
      await assert.rejects(withBulkCache(store.db, store.dialect, BULK_BLOB + 1, () => Promise.reject(new Error('mid-write'))), /mid-write/);
      assert.equal(await cacheSize(), configured);

      const whole = Buffer.concat([Buffer.from('Subject: bulk\r\n\r\n'), randomBytes(BULK_BLOB + 300 * 1024)]);
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw: [whole.subarray(0, 50), whole.subarray(50)], meta: emptyMeta() });
      assert.equal(await cacheSize(), configured);
      assert.deepEqual(Buffer.from((await store.blobs.get(item.blobId!))!), whole);
      assert.deepEqual(Buffer.concat(await collect((await store.blobs.parts(item.blobId!))!)), whole);
      assert.equal(await cacheSize(), configured);
      await store.mailbox.deleteItem(acct, item.id);
    });

    test('a small message keeps one row and no parts', async () => {
      const inbox = (await store.mailbox.getFolderByRole(acct, 'inbox'))!;
      const raw = [Buffer.from('Subject: small\r\n'), Buffer.from('\r\n\r\nhello\r\n')];
      const item = await store.mailbox.addMessage(acct, inbox.id, { raw, meta: emptyMeta() });
      assert.deepEqual(Buffer.from((await store.blobs.get(item.blobId!))!), joined(raw));
      assert.equal(await partRows(item.blobId!), 0);
    });
  });
}
