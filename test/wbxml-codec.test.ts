// WBXML codec: code page tables, round trips of every tag, byte vectors from MS-ASWBXML/MS-ASCMD,
// opaque data, string tables, phone quirks and every malformed-input error code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  CODE_PAGES, WbxmlError, byteParts, bytes, decode, decodeParts, el, encode, tagName, textOf, tokenOf,
} from '../src/eas/wbxml/index.js';
import type { QName, WbxmlElement } from '../src/eas/wbxml/index.js';
import { normalize } from './fixtures/wbxml/normalize.js';
import { SAMPLES, contactAdd, folderSyncRequest, pingRequest, syncInitialRequest } from './fixtures/wbxml/samples.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');

const roundTrip = (doc: WbxmlElement): void => assert.deepStrictEqual(decode(encode(doc)), normalize(doc));

const expectError = (bytes: Uint8Array, code: WbxmlError['code'], options = {}): void => {
  assert.throws(() => decode(bytes, options), (e: unknown) => e instanceof WbxmlError && e.code === code, `expected ${code}`);
};

void describe('code page tables', () => {
  void test('26 pages in MS-ASWBXML order with tokens in 0x05..0x3F', () => {
    assert.deepStrictEqual(CODE_PAGES.map((p) => p.namespace), [
      'AirSync', 'Contacts', 'Email', 'AirNotify', 'Calendar', 'Move', 'GetItemEstimate', 'FolderHierarchy',
      'MeetingResponse', 'Tasks', 'ResolveRecipients', 'ValidateCert', 'Contacts2', 'Ping', 'Provision', 'Search',
      'GAL', 'AirSyncBase', 'Settings', 'DocumentLibrary', 'ItemOperations', 'ComposeMail', 'Email2', 'Notes',
      'RightsManagement', 'Find',
    ]);
    for (const p of CODE_PAGES) {
      for (const t of p.tags) {
        assert.ok(t.token >= 0x05 && t.token <= 0x3f, `${p.namespace}:${t.name}`);
        assert.equal(tagName(p.page, t.token), t.name);
        assert.equal(tokenOf(p.page, t.name), t.token);
      }
    }
  });

  void test('16.0/16.1 additions are present', () => {
    const asb = ['Add', 'Delete', 'ClientId', 'Content', 'Location', 'Annotation', 'Street', 'City', 'State', 'Country',
      'PostalCode', 'Latitude', 'Longitude', 'Accuracy', 'Altitude', 'AltitudeAccuracy', 'LocationUri', 'InstanceId'];
    asb.forEach((name, i) => assert.equal(tokenOf(17, name), 0x1c + i, name));
    assert.deepStrictEqual([tokenOf(22, 'IsDraft'), tokenOf(22, 'Bcc'), tokenOf(22, 'Send')], [0x15, 0x16, 0x17]);
    assert.equal(tokenOf(4, 'ClientUid'), 0x3c);
    assert.equal(tokenOf(14, 'AccountOnlyRemoteWipe'), 0x3b);
    assert.equal(CODE_PAGES[25]?.tags.length, 22);
    assert.equal(tokenOf(25, 'Picture'), 0x22);
  });

  void test('byte-array elements are exactly the MS-ASDTYPE 2.7.1 ones', () => {
    const binary = CODE_PAGES.flatMap((p) => p.tags.filter((t) => t.binary).map((t) => `${p.namespace}:${t.name}`));
    assert.deepStrictEqual(binary.sort(), [
      'AirSyncBase:Content', 'ComposeMail:Mime', 'Email2:ConversationId', 'Email2:ConversationIndex',
      'GAL:Data', 'ItemOperations:ConversationId', 'ResolveRecipients:Data', 'Search:ConversationId',
    ]);
  });
});

void describe('round trips', () => {
  for (const p of CODE_PAGES) {
    void test(`every tag of page ${p.page} (${p.namespace})`, () => {
      const first = p.tags[0];
      assert.ok(first);
      const kids = p.tags.map((t): WbxmlElement => ({
        page: p.page, tag: t.name,
        children: [t.binary ? new Uint8Array([0, t.token, 0xff]) : `${t.name} é ✓`],
      }));
      const doc: WbxmlElement = { page: p.page, tag: first.name, children: [...kids, { page: 0, tag: 'Sync', children: [] }] };
      const bytes = encode(doc);
      roundTrip(doc);
      // Content bit on the root, and one element per tag with the right token.
      const switchTo = p.page === 0 ? [] : [0x00, p.page];
      assert.deepStrictEqual([...bytes.subarray(4, 4 + switchTo.length + 1)], [...switchTo, first.token | 0x40]);
      for (const t of p.tags) {
        const empty: WbxmlElement = { page: p.page, tag: t.name, children: [] };
        const b = encode(empty);
        assert.equal(b[b.length - 1], t.token, `${t.name} encodes as a bare token when empty`);
        assert.deepStrictEqual(decode(b), empty);
      }
    });
  }

  for (const [name, build] of SAMPLES) void test(`sample: ${name}`, () => roundTrip(build()));
});

void describe('known byte vectors', () => {
  void test('MS-ASWBXML section 3: server response with a new contact', () => {
    const expected = hex(`03 01 6A 00 45 5C 4F 50 03 43 6F 6E 74 61 63 74 73 00 01 4B 03 32 00 01 52 03 32 00 01
      4E 03 31 00 01 56 47 4D 03 32 3A 31 00 01 5D 00 11 4A 46 03 31 00 01 4C 03 30 00 01 4D 03 31 00 01 01
      00 01 5E 03 46 75 6E 6B 2C 20 44 6F 6E 00 01 5F 03 44 6F 6E 00 01 69 03 46 75 6E 6B 00 01 00 11 56 03
      31 00 01 01 01 01 01 01 01`);
    const doc = el('AirSync:Sync', el('AirSync:Collections', el('AirSync:Collection',
      el('AirSync:Class', 'Contacts'), el('AirSync:SyncKey', '2'), el('AirSync:CollectionId', '2'), el('AirSync:Status', '1'),
      el('AirSync:Commands', el('AirSync:Add', el('AirSync:ServerId', '2:1'), el('AirSync:ApplicationData',
        el('AirSyncBase:Body', el('AirSyncBase:Type', '1'), el('AirSyncBase:EstimatedDataSize', '0'), el('AirSyncBase:Truncated', '1')),
        el('Contacts:FileAs', 'Funk, Don'), el('Contacts:FirstName', 'Don'), el('Contacts:LastName', 'Funk'),
        el('AirSyncBase:NativeBodyType', '1')))))));
    assert.equal(toHex(encode(doc)), toHex(expected));
    assert.deepStrictEqual(decode(expected), doc);
  });

  const vectors: ReadonlyArray<readonly [string, () => WbxmlElement, string]> = [
    ['FolderSync with SyncKey 0', folderSyncRequest, '03 01 6A 00 00 07 56 52 03 30 00 01 01'],
    ['initial Sync', syncInitialRequest, '03 01 6A 00 45 5C 4F 4B 03 30 00 01 52 03 31 00 01 01 01 01'],
    ['Ping', pingRequest,
      '03016A00000D454803343830000149 4A4B03310001 4C03456D61696C000101 4A4B03320001 4C0343616C656E646172000101 0101'],
  ];
  for (const [name, build, bytes] of vectors) {
    void test(name, () => {
      assert.equal(toHex(encode(build())), toHex(hex(bytes)));
      assert.deepStrictEqual(decode(hex(bytes)), build());
    });
  }
});

void describe('opaque data', () => {
  void test('byte-array elements are written as OPAQUE, from bytes or text', () => {
    const b = encode(el('ComposeMail:SendMail', el('ComposeMail:Mime', 'héllo')));
    assert.equal(toHex(b), toHex(hex('03 01 6A 00 00 15 45 50 C3 06 68 C3 A9 6C 6C 6F 01 01')));
  });

  void test('8-bit MIME sent as OPAQUE or STR_I comes back as the same bytes', () => {
    const mime = Buffer.from('Subject: caf\xe9\r\n\r\n\xff\xfe', 'latin1');
    const viaOpaque = Buffer.concat([hex('03016A00 0015 45 50 C3'), Buffer.from([mime.length]), mime, hex('01 01')]);
    const viaStrI = Buffer.concat([hex('03016A00 0015 45 50 03'), mime, hex('00 01 01')]);
    for (const body of [viaOpaque, viaStrI]) {
      const mimeEl = decode(body).children[0] as WbxmlElement;
      assert.deepStrictEqual(mimeEl.children, [new Uint8Array(mime)]);
    }
  });

  void test('OPAQUE in a text element is kept as bytes; large lengths use multi-byte integers', () => {
    const data = new Uint8Array(200_000).map((_, i) => 32 + (i % 90));
    const doc = el('AirSyncBase:Body', el('AirSyncBase:Data', data));
    const b = encode(doc);
    assert.equal(toHex(b.subarray(0, 12)), '03 01 6A 00 00 11 4A 4B C3 8C 9A 40');
    assert.deepStrictEqual(decode(b), doc);
  });

  void test('an empty OPAQUE is an empty element', () => {
    assert.deepStrictEqual(decode(hex('03016A00 0016 49 C3 00 01')), el('Email2:ConversationId'));
  });
});

void describe('WBXML features phones and libraries send', () => {
  void test('STR_T references and the zero public id with a string table index', () => {
    // version 1.3, public id 0 + index 0, UTF-8, table "-//X\0Inbox\0", FolderHierarchy DisplayName "Inbox"
    const body = hex('03 00 00 6A 0B 2D2F2F5800 496E626F7800 0007 47 83 05 01');
    assert.deepStrictEqual(decode(body), el('FolderHierarchy:DisplayName', 'Inbox'));
    expectError(hex('03 01 6A 03 41 42 00 0007 47 83 07 01'), 'bad-length');
  });

  void test('ENTITY, text split in several tokens, and versions 1.1/1.2', () => {
    assert.deepStrictEqual(decode(hex('02 01 6A 00 00 07 47 03 41 00 02 81 69 02 C1 2C 03 42 42 00 01')),
      el('FolderHierarchy:DisplayName', 'Aé\u{20ac}BB'));
    assert.deepStrictEqual(decode(hex('01 01 6A 00 00 07 47 03 41 00 01')), el('FolderHierarchy:DisplayName', 'A'));
  });

  void test('charset 0 reads as UTF-8, Latin-1 as Latin-1', () => {
    assert.equal(decode(hex('03 01 00 00 00 07 47 03 C3A9 00 01')).children[0], 'é');
    assert.equal(decode(hex('03 01 04 00 00 07 47 03 E9 00 01')).children[0], 'é');
  });

  void test('empty elements in every form, empty STR_I, and trailing NULs', () => {
    const folders = el('Ping:Ping', el('Ping:Folders'));
    for (const body of ['00 0D 45 09 01', '00 0D 45 49 01 01', '00 0D 45 49 03 00 01 01', '00 0D 45 49 C3 00 01 01',
      '00 0D 45 09 01 00 00 00', '00 0D 45 09 01 00']) {
      assert.deepStrictEqual(decode(hex(`03016A00 ${body}`)), folders, body);
    }
    assert.deepStrictEqual(decode(hex('03016A00 00 07 16')), el('FolderHierarchy:FolderSync'));
  });

  void test("unknownTags: 'drop' leaves out an unknown element with its content; the root must be known", () => {
    const body = hex('03016A00 45 6A 03 41 00 4B 03 42 00 01 01 4B 03 31 00 01 01');
    expectError(body, 'unknown-tag');
    assert.deepStrictEqual(decode(body, { unknownTags: 'drop' }), el('AirSync:Sync', el('AirSync:SyncKey', '1')));
    expectError(hex('03016A00 6A 01'), 'unknown-tag', { unknownTags: 'drop' });
  });

  void test('STR_T inside a byte-array element gives the raw table bytes', () => {
    const body = hex('03 01 6A 04 FF FE 00 00 0015 50 83 00 01');
    assert.deepStrictEqual(decode(body), el('ComposeMail:Mime', new Uint8Array([0xff, 0xfe])));
  });

  void test('text with NUL characters is stripped when encoded as STR_I', () => {
    assert.deepStrictEqual(decode(encode(el('Email:Subject', 'a\0b'))), el('Email:Subject', 'ab'));
  });
});

void describe('malformed input raises WbxmlError with its code', () => {
  const cases: ReadonlyArray<readonly [string, string, WbxmlError['code']]> = [
    ['empty body', '', 'truncated'],
    ['header only', '03 01 6A 00', 'truncated'],
    ['bad version', '04 01 6A 00 45 01', 'bad-header'],
    ['version 1.0', '00 01 6A 00 45 01', 'bad-header'],
    ['header cut in the public id', '03 81', 'truncated'],
    ['string table beyond input', '03 01 6A 10 41', 'bad-length'],
    ['root not closed', '03016A00 45 5C', 'truncated'],
    ['STR_I without NUL', '03016A00 4B 03 41 42', 'truncated'],
    ['OPAQUE length beyond input', '03016A00 4B C3 05 41 01', 'bad-length'],
    ['OPAQUE length of 4 GiB', '03016A00 4B C3 8F FF FF FF 7F 01', 'bad-length'],
    ['mb_u_int32 of 6 bytes', '03016A00 4B C3 81 81 81 81 81 01 01', 'bad-length'],
    ['mb_u_int32 over 32 bits', '03016A00 4B C3 90 80 80 80 00 01', 'bad-length'],
    ['mb_u_int32 cut', '03016A00 4B C3 81', 'truncated'],
    ['unknown page', '03016A00 00 1A 45 01', 'unknown-page'],
    ['unknown tag', '03016A00 6A 01', 'unknown-tag'],
    ['unknown tag on page 25', '03016A00 00 19 4F 01', 'unknown-tag'],
    ['END at top level', '03016A00 01', 'unexpected-token'],
    ['text before the root', '03016A00 03 41 00 45 01', 'unexpected-token'],
    ['attributes', '03016A00 C5 05 01 01', 'unexpected-token'],
    ['LITERAL', '03016A00 04 00 01', 'unexpected-token'],
    ['PI', '03016A00 43 05 01 45 01', 'unexpected-token'],
    ['EXT_0', '03016A00 45 C0 01', 'unexpected-token'],
    ['EXT_I_0', '03016A00 45 40 41 00 01', 'unexpected-token'],
    ['bad ENTITY', '03016A00 45 02 C4 80 00 01', 'unexpected-token'],
    ['second root', '03016A00 05 05', 'unexpected-token'],
    ['data after the root', '03016A00 45 01 45', 'unexpected-token'],
    ['SWITCH_PAGE cut', '03016A00 45 00', 'truncated'],
  ];
  for (const [name, bytes, code] of cases) void test(name, () => expectError(hex(bytes), code));

  void test('limits: depth, element count, input size', () => {
    const deep = hex(`03016A00 ${'45 '.repeat(70)}${'01 '.repeat(70)}`);
    expectError(deep, 'too-deep');
    assert.doesNotThrow(() => decode(deep, { maxDepth: 70 }));
    const many = hex(`03016A00 45 ${'14 '.repeat(100)}01`);
    expectError(many, 'too-large', { maxElements: 50 });
    expectError(encode(contactAdd()), 'too-large', { maxInputBytes: 64 });
    assert.throws(() => encode(el('AirSync:Sync', el('AirSync:Collections')), { maxDepth: 1 }), /deeper/);
  });

  void test('the encoder rejects tags outside the code pages', () => {
    assert.throws(() => encode({ page: 0, tag: 'Nope', children: [] }), (e: unknown) => e instanceof WbxmlError && e.code === 'unknown-tag');
    assert.throws(() => encode({ page: 26, tag: 'Sync', children: [] }), (e: unknown) => e instanceof WbxmlError && e.code === 'unknown-page');
    assert.throws(() => el('AirSync:Nope' as QName), (e: unknown) => e instanceof WbxmlError && e.code === 'unknown-tag');
  });
});

void describe('decodeParts: a body in the chunks it arrived in (issue 16 part 5)', () => {
  /** The bytes cut into chunks of the given sizes, cycling; each chunk its own buffer, as the socket gives them. */
  const cut = (b: Uint8Array, sizes: readonly number[]): Buffer[] => {
    const out: Buffer[] = [];
    for (let at = 0, i = 0; at < b.length; i++) {
      const n = sizes[i % sizes.length]!;
      out.push(Buffer.from(b.subarray(at, at + n)));
      at += n;
    }
    return out;
  };
  const cm = (tag: string, ...c: Array<WbxmlElement | string | Uint8Array>): WbxmlElement => el(`ComposeMail:${tag}` as QName, ...c);
  const mimeOf = (root: WbxmlElement): WbxmlElement => root.children.find((c): c is WbxmlElement => typeof c === 'object' && !(c instanceof Uint8Array) && c.tag === 'Mime')!;

  void test('every sample decodes as from one buffer, however it is cut', () => {
    for (const [name, make] of SAMPLES) {
      const bytes = encode(make());
      for (const sizes of [[1], [3, 7], [64 * 1024]]) assert.deepStrictEqual(decodeParts(cut(bytes, sizes)), decode(bytes), `${name} in ${sizes.join('/')}`);
    }
  });

  void test('a large OPAQUE Mime stays views into the chunks, whole and in order', () => {
    const mime = Buffer.alloc(200_000, 0x61);
    for (let i = 0; i < mime.length; i += 77) mime[i] = 0; // NULs in opaque data are data
    const chunks = cut(encode(cm('SendMail', cm('ClientId', 'c1'), cm('SaveInSentItems'), cm('Mime', new Uint8Array(mime)))), [65_536, 1000, 7]);
    const root = decodeParts(chunks);
    const parts = byteParts(mimeOf(root));
    assert.ok(parts.length > 1, 'one node per chunk the payload spans');
    assert.ok(parts.every((p) => chunks.some((c) => c.buffer === p.buffer)), 'views, not copies');
    assert.deepStrictEqual(Buffer.concat(parts), mime);
    assert.deepStrictEqual(Buffer.from(bytes(mimeOf(root))), mime);
    assert.equal(textOf(root, 'ComposeMail:ClientId'), 'c1');
  });

  void test('a large inline-string Mime (STR_I) too; a large string elsewhere stays a string', () => {
    const mime = 'x'.repeat(100_000);
    const chunks = cut(encode(cm('SendMail', cm('ClientId', 'c2'), cm('Mime', mime))), [4096]);
    const parts = byteParts(mimeOf(decodeParts(chunks)));
    assert.ok(parts.every((p) => chunks.some((c) => c.buffer === p.buffer)));
    assert.equal(Buffer.concat(parts).toString('latin1'), mime);
    const subject = el('Email:Subject', 's'.repeat(50_000));
    const doc = el('AirSync:Sync', el('AirSync:Collections', el('AirSync:Collection', el('AirSync:ApplicationData', subject))));
    const bytesDoc = encode(doc);
    assert.deepStrictEqual(decodeParts(cut(bytesDoc, [1000])), decode(bytesDoc));
  });

  void test('malformed input fails as decode does', () => {
    const good = encode(cm('SendMail', cm('ClientId', 'c3'), cm('Mime', new Uint8Array(50_000))));
    for (const bad of [good.subarray(0, good.length - 1), good.subarray(0, 40_000), Buffer.concat([good, Buffer.from([0x45])])]) {
      const code = (() => {
        try {
          decode(bad);
          return 'none';
        } catch (e) {
          return e instanceof WbxmlError ? e.code : 'other';
        }
      })();
      assert.throws(() => decodeParts(cut(bad, [333])), (e: unknown) => e instanceof WbxmlError && e.code === code, `expected ${code}`);
    }
  });
});
