// How blobs.content keeps a MessageContent (src/store/sql/content-codec.ts): the bodies after a JSON head,
// read back equal on both databases; plain JSON (every record written before, and bodies with a NUL or a
// lone surrogate) still read; damaged records read as none (the message is parsed then).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asBlobId } from '../src/core/ids.js';
import { decodeContent, encodeContent } from '../src/store/sql/content-codec.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import type { MessageContent } from '../src/store/types.js';
import { backends } from './helpers/stores.js';

const record = (text: string, html: string | null): MessageContent => ({
  v: 1, bodies: { text, html },
  attachments: [{ index: 2, contentType: 'application/pdf', fileName: 'a "b".pdf', size: 10, contentId: null, contentLocation: null, inline: false, calendarAlternative: false }],
  smime: null, calendar: null, bcc: [{ name: 'Zo\u00eb', address: 'z@example.net' }],
});

const cases: Array<[string, MessageContent]> = [
  ['text and HTML with quotes, line feeds, astral characters', record('caf\u00e9 "quoted"\n\r\nline \u{1F600}', '<p class="x">caf\u00e9\n\u{1F600}</p>')],
  ['no HTML', record('only text\n', null)],
  ['empty bodies', record('', '')],
  ['no bodies kept', { ...record('', null), bodies: null }],
  ['a NUL in the text', record('a\u0000b', '<p>x</p>')],
  ['a lone surrogate in the HTML', record('t', '<p>\ud800</p>')],
];

test('encode / decode: every record comes back equal; the split form only where the bodies can be stored as they are', () => {
  for (const [what, c] of cases) {
    const stored = encodeContent(c);
    assert.deepEqual(decodeContent(stored), c, what);
    const split = stored.startsWith('\u0001');
    assert.equal(split, c.bodies !== null && !what.startsWith('a '), `${what}: split form ${split}`);
    assert.equal(decodeContent(JSON.stringify(c))?.bodies?.text, c.bodies?.text, `${what}: the JSON of records written before`);
  }
  const good = encodeContent(record('abc', '<b>x</b>'));
  for (const damaged of [good.slice(0, -1), `${good}x`, good.replace('\n', ''), '\u0001{"v":1}\nabc', '\u0001[1]\n', '{"v":"1"}', '{', '\u0001{"v":1,"b":[-2,0]}\n']) {
    assert.equal(decodeContent(damaged), null, JSON.stringify(damaged.slice(0, 40)));
  }
});

for (const backend of backends) {
  describe(`content column: ${backend.name}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await backend.open());
    });
    after(() => cleanup());

    test('what setContents keeps, getContents gives back equal, in either form', async () => {
      const ids = cases.map((_, i) => asBlobId(`${String(i).padStart(2, '0')}${'c'.repeat(62)}`));
      await store.db.insertInto('blobs').values(ids.map((id) => ({ id, size: 1, data: Buffer.from('x'), content: null }))).execute();
      await store.blobs.setContents(new Map(ids.map((id, i) => [id, cases[i]![1]])));
      const back = await store.blobs.getContents(ids);
      // The lone surrogate went through JSON's escape: exact even through the database's UTF-8.
      for (const [i, id] of ids.entries()) assert.deepEqual(back.get(id), cases[i]![1], cases[i]![0]);
      assert.equal(await store.blobs.countWithoutContent(), 0);
    });
  });
}
