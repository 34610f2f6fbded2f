// IMAP response writing (src/imap/protocol/writer.ts): quoted vs literal choice, NIL, lists, response
// codes, FETCH responses whose big literals stay separate Buffer parts, section labels; and the property
// that every string written reads back (through the server's own reader and parser) as the same bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  atom,
  binaryLiteral,
  continuation,
  esearchResponse,
  fetchResponse,
  formatInternalDate,
  flagList,
  joined,
  literal,
  raw,
  sectionLabel,
  serialize,
  tagged,
  untagged,
  untaggedStatus,
} from '../src/imap/protocol/writer.js';
import { ImapReader } from '../src/imap/protocol/reader.js';
import { parseCommand } from '../src/imap/protocol/parser.js';
import { encodeMailboxName } from '../src/imap/protocol/mailbox-name.js';

const text = (v: Parameters<typeof serialize>[0], utf8 = false) => serialize(v, { utf8 }).toString('latin1');

describe('IMAP writer', () => {
  test('strings: quoted when exact, escaped, literal otherwise; NIL; numbers; atoms', () => {
    assert.equal(text('INBOX'), '"INBOX"');
    assert.equal(text('a "b" \\c'), '"a \\"b\\" \\\\c"');
    assert.equal(text(''), '""');
    assert.equal(text('two\r\nlines'), '{10}\r\ntwo\r\nlines');
    assert.equal(text('Grüße'), '{7}\r\nGr\u00c3\u00bc\u00c3\u009fe');
    assert.equal(serialize('Grüße', { utf8: true }).toString('utf8'), '"Grüße"');
    // Bytes that are not UTF-8 are a literal even for a UTF-8 client.
    assert.equal(text(Buffer.from([0x41, 0xe9]), true), '{2}\r\nA\u00e9');
    assert.equal(text('x'.repeat(2000)).slice(0, 8), '{2000}\r\n');
    assert.equal(text(null), 'NIL');
    assert.equal(text(42), '42');
    assert.equal(text(12345678901234567890n), '12345678901234567890');
    assert.throws(() => text(-1), RangeError);
    assert.equal(text([atom('\\Seen'), 'x', null, [1, 2]]), '(\\Seen "x" NIL (1 2))');
    assert.equal(text([]), '()');
    assert.equal(text([joined([[1], [2]]), 'mixed']), '((1)(2) "mixed")');
    assert.equal(text(literal(Buffer.from('a\0b'), true)), '~{3}\r\na\0b');
    assert.equal(text(raw('BODY[]')), 'BODY[]');
    assert.equal(text(binaryLiteral(Buffer.from('a\0'))), '~{2}\r\na\0');
    assert.equal(text(binaryLiteral(Buffer.from('ab'))), '{2}\r\nab');
  });

  test('status, untagged and continuation lines; response codes; no CR/LF can split a line', () => {
    assert.equal(tagged('a1', 'OK', 'LOGIN completed').toString(), 'a1 OK LOGIN completed\r\n');
    assert.equal(tagged('a2', 'NO', 'too big', { name: 'TOOBIG' }).toString(), 'a2 NO [TOOBIG] too big\r\n');
    assert.equal(tagged('a3', 'OK', 'done', { name: 'APPENDUID', args: '38505 3955' }).toString(), 'a3 OK [APPENDUID 38505 3955] done\r\n');
    assert.equal(tagged('a4', 'NO', 'bad', { name: 'BADCHARSET', args: [[atom('UTF-8'), atom('US-ASCII')]] }).toString(), 'a4 NO [BADCHARSET (UTF-8 US-ASCII)] bad\r\n');
    assert.equal(tagged('a5', 'BAD', 'evil\r\n* OK injected').toString(), 'a5 BAD evil  * OK injected\r\n');
    assert.equal(untaggedStatus('OK', 'UIDs valid', { name: 'UIDVALIDITY', args: [3857529045] }).toString(), '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n');
    assert.equal(untaggedStatus('BYE', '').toString(), '* BYE BYE\r\n');
    assert.equal(Buffer.concat(untagged([172, atom('EXISTS')])).toString(), '* 172 EXISTS\r\n');
    assert.equal(Buffer.concat(untagged([atom('LIST'), [atom('\\HasNoChildren'), atom('\\Sent')], '/', 'Sent Items'])).toString(), '* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"\r\n');
    assert.equal(continuation().toString(), '+ Ready for literal data\r\n');
    assert.equal(continuation('').toString(), '+ \r\n');
  });

  test('FETCH responses: big literals are their own parts (not copied), small ones inline', () => {
    const body = Buffer.alloc(100_000, 0x61);
    const parts = fetchResponse(12, [
      ['UID', 4827313],
      ['FLAGS', flagList(['\\Seen', '$Forwarded'])],
      ['BODY[]', body],
      ['BODY[1.MIME]', Buffer.from('Content-Type: text/plain\r\n\r\n')],
    ]);
    assert.equal(parts.length, 3);
    assert.equal(parts[0]!.toString(), '* 12 FETCH (UID 4827313 FLAGS (\\Seen $Forwarded) BODY[] {100000}\r\n');
    assert.equal(parts[1], body, 'the body is passed through, not copied');
    assert.equal(parts[2]!.toString(), ' BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n');
    assert.equal(Buffer.concat(fetchResponse(1, [['FLAGS', flagList([])]])).toString(), '* 1 FETCH (FLAGS ())\r\n');
    // A keyword that cannot be written as an atom is left out, never allowed to break the line.
    assert.equal(flagList(['\\Seen', 'Red Category', 'ok$1', 'a)b', 'Grün', '\\*', '']).text, '(\\Seen ok$1 \\*)');
  });

  test('section labels echo the section and only the partial origin (RFC 9051 section 7.5.2)', () => {
    assert.equal(sectionLabel('BODY', { part: [] }), 'BODY[]');
    assert.equal(sectionLabel('BODY', { part: [] }, 0), 'BODY[]<0>');
    assert.equal(sectionLabel('BODY', { part: [1, 2], text: 'MIME' }), 'BODY[1.2.MIME]');
    assert.equal(sectionLabel('BODY', { part: [], text: 'HEADER.FIELDS', fields: ['Date', 'From', 'X Y'] }), 'BODY[HEADER.FIELDS (Date From "X Y")]');
    assert.equal(sectionLabel('BINARY', { part: [3] }, 100), 'BINARY[3]<100>');
    assert.equal(sectionLabel('BINARY.SIZE', { part: [3] }), 'BINARY.SIZE[3]');
  });

  test('INTERNALDATE, ESEARCH, mailbox names for the wire', () => {
    assert.equal(formatInternalDate(new Date('1996-07-17T00:44:25Z')), '17-Jul-1996 00:44:25 +0000');
    assert.equal(formatInternalDate(new Date('1996-07-17T00:44:25Z'), 120), '17-Jul-1996 02:44:25 +0200');
    assert.equal(formatInternalDate(new Date('2024-03-01T02:03:04Z'), -330), '29-Feb-2024 20:33:04 -0530');
    assert.equal(formatInternalDate(new Date('2024-03-05T02:03:04Z')), ' 5-Mar-2024 02:03:04 +0000');
    assert.equal(Buffer.concat(esearchResponse('a1', true, { min: 2, max: 9, count: 5, all: '2:4,9' })).toString(), '* ESEARCH (TAG "a1") UID MIN 2 MAX 9 COUNT 5 ALL 2:4,9\r\n');
    assert.equal(Buffer.concat(esearchResponse('a2', false, { count: 0 })).toString(), '* ESEARCH (TAG "a2") COUNT 0\r\n');
    assert.equal(encodeMailboxName('Entwürfe', false), 'Entw&APw-rfe');
    assert.equal(encodeMailboxName('Entwürfe', true), 'Entwürfe');
  });

  test('property: any string or bytes written reads back as the same bytes', () => {
    const reader = () => new ImapReader({ maxLineBytes: 1 << 16, maxLiteralBytes: 1 << 16 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.from(u))), fc.boolean(), (v, utf8) => {
        const wire = Buffer.concat([Buffer.from('t LOGIN x '), serialize(v, { utf8 }), Buffer.from('\r\n')]);
        const r = reader();
        r.push(wire);
        let e = r.next();
        while (e?.kind === 'continue') e = r.next();
        assert.ok(e?.kind === 'command');
        const c = parseCommand(e.command);
        assert.ok(c.name === 'LOGIN');
        const expected = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
        // LOGIN decodes as UTF-8: compare through the same decoding.
        assert.equal(c.password, expected.toString('utf8'));
      }),
      { numRuns: 500 },
    );
  });
});
