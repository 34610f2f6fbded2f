// BODY[section]<partial>, BINARY and BINARY.SIZE (src/imap/fetch/section.ts, message.ts): the part
// numbering of RFC 9051 section 6.4.5 (its example message shape: a multipart with a nested
// message/rfc822 whose body is itself multipart), HEADER / HEADER.FIELDS (.NOT) / MIME / TEXT, partials,
// and transfer decoding (RFC 3516).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { FetchMessage } from '../src/imap/fetch/message.js';
import { decodeQuotedPrintable } from '../src/imap/fetch/section.js';
import type { Section } from '../src/imap/protocol/types.js';

const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

const TOP_HEADER = 'From: a@example.org\nSubject: top\nX-Folded: one\n two\nContent-Type: multipart/mixed; boundary=outer\n\n';
const PART1_MIME = 'Content-Type: text/plain\n\n';
const PART1_BODY = 'part one\n';
const INNER_HEADER = 'Subject: inner\nContent-Type: multipart/alternative; boundary=inner\n\n';
const INNER_PART1_MIME = 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n';
const INNER_PART1_BODY = 'Caf=C3=A9 =\nau lait=3D ok  \nnext';
const INNER_PART2_MIME = 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n';
const INNER_PART2_BODY = 'AAEC\n/wBh';
const INNER_BODY = `--inner\n${INNER_PART1_MIME}${INNER_PART1_BODY}\n--inner\n${INNER_PART2_MIME}${INNER_PART2_BODY}\n--inner--\n`;
const PART2_MIME = 'Content-Type: message/rfc822\n\n';
const PART3_MIME = 'Content-Type: application/x-thing\nContent-Transfer-Encoding: x-uuencode\n\n';
const RAW = crlf(
  `${TOP_HEADER}--outer\n${PART1_MIME}${PART1_BODY}\n--outer\n${PART2_MIME}${INNER_HEADER}${INNER_BODY}\n--outer\n${PART3_MIME}begin 644 x\n\n--outer--\n`,
);
const m = new FetchMessage(Buffer.from(RAW, 'latin1'));
const get = (section: Section, partial?: { offset: number; length: number }) => m.section(section, partial)?.toString('latin1') ?? null;

describe('BODY[section]', () => {
  test('whole message, HEADER (with its blank line), TEXT', () => {
    assert.equal(get({ part: [] }), RAW);
    assert.equal(get({ part: [], text: 'HEADER' }), crlf(TOP_HEADER));
    assert.equal(get({ part: [], text: 'TEXT' }), RAW.slice(crlf(TOP_HEADER).length));
  });

  test('HEADER.FIELDS and .NOT: case-insensitive names, folded fields whole, order of the message, then a blank line', () => {
    assert.equal(get({ part: [], text: 'HEADER.FIELDS', fields: ['x-folded', 'FROM'] }), crlf('From: a@example.org\nX-Folded: one\n two\n\n'));
    assert.equal(get({ part: [], text: 'HEADER.FIELDS', fields: ['X-None'] }), '\r\n');
    assert.equal(get({ part: [], text: 'HEADER.FIELDS.NOT', fields: ['Subject', 'x-folded', 'content-type'] }), crlf('From: a@example.org\n\n'));
  });

  test('part numbers: multipart children, a message/rfc822 part and the parts of its message', () => {
    assert.equal(get({ part: [1] }), crlf(PART1_BODY));
    assert.equal(get({ part: [1], text: 'MIME' }), crlf(PART1_MIME));
    assert.equal(get({ part: [2] }), crlf(INNER_HEADER + INNER_BODY));
    assert.equal(get({ part: [2], text: 'MIME' }), crlf(PART2_MIME));
    assert.equal(get({ part: [2], text: 'HEADER' }), crlf(INNER_HEADER));
    assert.equal(get({ part: [2], text: 'TEXT' }), crlf(INNER_BODY));
    assert.equal(get({ part: [2], text: 'HEADER.FIELDS', fields: ['subject'] }), crlf('Subject: inner\n\n'));
    assert.equal(get({ part: [2, 1] }), crlf(INNER_PART1_BODY));
    assert.equal(get({ part: [2, 1], text: 'MIME' }), crlf(INNER_PART1_MIME));
    assert.equal(get({ part: [2, 2] }), crlf(INNER_PART2_BODY));
    assert.equal(get({ part: [3] }), 'begin 644 x\r\n');
  });

  test('sections that do not exist are null (NIL)', () => {
    assert.equal(get({ part: [4] }), null);
    assert.equal(get({ part: [1, 1] }), null, 'a leaf has no sub-parts');
    assert.equal(get({ part: [2, 3] }), null);
    assert.equal(get({ part: [1], text: 'HEADER' }), null, 'HEADER only of message/rfc822 parts');
    assert.equal(get({ part: [2, 1], text: 'TEXT' }), null);
  });

  test('a single-part message: part 1 is its body, 1.MIME its header', () => {
    const one = new FetchMessage(Buffer.from('Subject: s\r\n\r\nbody\r\n', 'latin1'));
    assert.equal(one.section({ part: [1] })?.toString(), 'body\r\n');
    assert.equal(one.section({ part: [1], text: 'MIME' })?.toString(), 'Subject: s\r\n\r\n');
    assert.equal(one.section({ part: [2] }), null);
    assert.equal(one.section({ part: [1, 1] }), null);
    // A top-level message/rfc822: part 1 is the encapsulated message, 1.1 its body.
    const fwd = new FetchMessage(Buffer.from('Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner body', 'latin1'));
    assert.equal(fwd.section({ part: [1] })?.toString(), 'Subject: in\r\n\r\ninner body');
    assert.equal(fwd.section({ part: [1, 1] })?.toString(), 'inner body');
    assert.equal(fwd.section({ part: [1], text: 'HEADER' })?.toString(), 'Subject: in\r\n\r\n');
  });

  test('partials: <offset.length>, clipped at the end, empty past it', () => {
    assert.equal(get({ part: [] }, { offset: 0, length: 4 }), 'From');
    assert.equal(get({ part: [1] }, { offset: 5, length: 100 }), 'one\r\n');
    assert.equal(get({ part: [1] }, { offset: 10, length: 1 }), '');
    assert.equal(get({ part: [1] }, { offset: 1000, length: 1 }), '');
  });
});

describe('BINARY', () => {
  test('quoted-printable and base64 parts decoded; identity encodings as is; sizes', () => {
    assert.deepEqual(m.binary([2, 1]), { bytes: Buffer.from('Café au lait= ok\r\nnext', 'utf8') });
    assert.deepEqual(m.binary([2, 2]), { bytes: Buffer.from([0, 1, 2, 0xff, 0, 0x61]) });
    assert.deepEqual(m.binary([2, 2], { offset: 3, length: 2 }), { bytes: Buffer.from([0xff, 0]) });
    assert.deepEqual(m.binarySize([2, 2]), { size: 6 });
    assert.deepEqual(m.binary([1]), { bytes: Buffer.from('part one\r\n') });
    assert.deepEqual(m.binary([3]), { unknownCte: 'x-uuencode' });
    assert.deepEqual(m.binarySize([3]), { unknownCte: 'x-uuencode' });
    assert.equal(m.binary([9]), null);
    assert.equal(m.binarySize([9]), null);
  });

  test('quoted-printable details (RFC 2045 section 6.7)', () => {
    const qp = (s: string) => decodeQuotedPrintable(Buffer.from(s, 'latin1')).toString('latin1');
    assert.equal(qp('a=\r\nb'), 'ab');
    assert.equal(qp('a= \t\r\nb'), 'ab');
    assert.equal(qp('a=\nb'), 'ab');
    assert.equal(qp('x=3d=3D=e9'), 'x==\u00e9');
    assert.equal(qp('bad=zz='), 'bad=zz');
    assert.equal(qp('trail  \r\nx\t'), 'trail\r\nx');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (u) => void decodeQuotedPrintable(Buffer.from(u))), { numRuns: 300 });
  });
});

// ---- Property: random MIME trees, rendered to bytes, give back each leaf's body by its part number ----

type Tree =
  | { kind: 'leaf'; body: string; type: string }
  | { kind: 'multipart'; subtype: string; children: Tree[] }
  | { kind: 'message'; subject: string; inner: Tree };

const bodyArb = fc
  .array(fc.stringMatching(/^[a-z ]{0,12}$/), { maxLength: 4 })
  .map((ls) => ls.join('\r\n'));
const { tree: treeArb } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.record({ kind: fc.constant<'leaf'>('leaf'), body: bodyArb, type: fc.constantFrom('text/plain', 'text/html', 'application/pdf') }),
    fc.record({ kind: fc.constant<'multipart'>('multipart'), subtype: fc.constantFrom('mixed', 'alternative', 'related'), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant<'message'>('message'), subject: fc.stringMatching(/^[a-z]{1,8}$/), inner: tie('tree') }),
  ),
}));

/** An entity (header + blank line + body), boundaries unique by depth and position. */
function render(t: Tree, id: string): string {
  switch (t.kind) {
    case 'leaf':
      return `Content-Type: ${t.type}\r\n\r\n${t.body}`;
    case 'message':
      return `Content-Type: message/rfc822\r\n\r\nSubject: ${t.subject}\r\n${render(t.inner, `${id}m`)}`;
    case 'multipart': {
      const b = `=_b${id}`;
      const kids = t.children.map((c, i) => `--${b}\r\n${render(c, `${id}.${i}`)}\r\n`).join('');
      return `Content-Type: multipart/${t.subtype}; boundary="${b}"\r\n\r\npreamble\r\n${kids}--${b}--\r\nepilogue\r\n`;
    }
  }
}

/** [part number, body] of every leaf, by RFC 9051 section 6.4.5 numbering. */
function leaves(t: Tree, path: number[], top: boolean): Array<[number[], string]> {
  switch (t.kind) {
    case 'leaf':
      return [[top ? [1] : path, t.body]];
    case 'multipart':
      return t.children.flatMap((c, i) => leaves(c, [...path, i + 1], false));
    case 'message': {
      const here = top ? [1] : path;
      // Inside the encapsulated message, a multipart's children continue the number; a single body is .1.
      return t.inner.kind === 'multipart' ? leaves(t.inner, here, false) : leaves(t.inner, [...here, 1], false);
    }
  }
}

describe('MIME trees (property)', () => {
  test('every leaf body comes back by its part number; BINARY of an identity encoding is the same', () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const fm = new FetchMessage(Buffer.from(`From: x@example.org\r\n${render(t, '0')}`, 'latin1'));
        for (const [part, body] of leaves(t, [], true)) {
          assert.equal(fm.section({ part })?.toString('latin1'), body, `part ${part.join('.')}`);
          assert.deepEqual(fm.binarySize(part), { size: Buffer.byteLength(body, 'latin1') });
        }
      }),
      { numRuns: 400 },
    );
  });
});
