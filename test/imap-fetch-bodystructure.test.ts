// BODY and BODYSTRUCTURE (src/imap/fetch/bodystructure.ts) against strings worked out by the rules of
// RFC 9051 section 7.5.2 and Dovecot's behaviour (its lib-imap tests are the model for the choices the RFC
// leaves open: defaults, parameter case, empty multiparts), over a varied corpus: plain text without a
// Content-Type, multipart/alternative, mixed with an attachment (RFC 2231 continuations), nested
// message/rfc822, a missing or never-found boundary, 8bit and non-UTF-8 charsets, multipart/digest, LF-only.
// Sizes and line counts are computed here from the part texts, not from the implementation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { bodyStructure } from '../src/imap/fetch/bodystructure.js';
import { serialize } from '../src/imap/protocol/writer.js';

const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');
const msg = (s: string): Buffer => Buffer.from(crlf(s), 'latin1');
const size = (s: string): number => Buffer.byteLength(crlf(s), 'latin1');
const lines = (s: string): number => (s.match(/\n/g) ?? []).length;
const bs = (raw: Buffer, extended = true): string => serialize(bodyStructure(raw, extended)).toString('latin1');

const US_ASCII = '("charset" "us-ascii")';

describe('BODYSTRUCTURE', () => {
  test('RFC 9051 section 7.5.2 / RFC 3501 section 7.4.2 example: BODY of a two-part MIXED message', () => {
    const text = `${'a'.repeat(48)}\n`.repeat(22) + `${'b'.repeat(50)}\n`; // 1152 octets, 23 lines as CRLF
    const b64 = `${'Q'.repeat(60)}\n`.repeat(72) + `${'Q'.repeat(88)}\n`; // 4554 octets, 73 lines
    const raw = msg(
      'MIME-Version: 1.0\nContent-Type: MULTIPART/MIXED; BOUNDARY="rfc"\n\n--rfc\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\nContent-Transfer-Encoding: 7BIT\n\n' +
        `${text}\n--rfc\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\nContent-ID: <960723163407.20117h@cac.washington.edu>\nContent-Description: Compiler diff\nContent-Transfer-Encoding: BASE64\n\n${b64}\n--rfc--\n`,
    );
    assert.equal(
      bs(raw, false),
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")',
    );
  });

  test('a message without Content-Type is text/plain us-ascii 7bit', () => {
    const body = 'Hello\nWorld\n';
    const raw = msg(`From: a@example.com\nSubject: hi\n\n${body}`);
    assert.equal(bs(raw), `("text" "plain" ${US_ASCII} NIL NIL "7bit" ${size(body)} ${lines(body)} NIL NIL NIL NIL)`);
    assert.equal(bs(raw, false), `("text" "plain" ${US_ASCII} NIL NIL "7bit" ${size(body)} ${lines(body)})`);
  });

  test('text/plain with 8bit UTF-8 and a trailing empty line', () => {
    const body = 'body\n\n';
    const raw = msg(`Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${body}`);
    assert.equal(bs(raw), `("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 8 2 NIL NIL NIL NIL)`);
  });

  test('multipart/alternative; the line break before a delimiter belongs to the delimiter', () => {
    const raw = msg(
      'Content-Type: multipart/alternative; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9\n--b1\nContent-Type: text/html; charset=UTF-8\n\n<p>Caf&eacute;</p>\n--b1--\n',
    );
    assert.equal(
      bs(raw),
      '(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 9 0 NIL NIL NIL NIL)("text" "html" ("charset" "UTF-8") NIL NIL "7bit" 18 0 NIL NIL NIL NIL) "alternative" ("boundary" "b1") NIL NIL NIL)',
    );
    assert.equal(bs(raw, false), '(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 9 0)("text" "html" ("charset" "UTF-8") NIL NIL "7bit" 18 0) "alternative")');
  });

  test('multipart/mixed with an attachment: disposition, RFC 2231 filename, language, preamble and epilogue ignored', () => {
    const text = 'Anbei.\n';
    const raw = msg(
      `Content-Type: multipart/mixed; boundary=XYZ\n\npreamble\n--XYZ\nContent-Type: text/plain\nContent-Language: de\n\n${text}\n--XYZ\nContent-Type: application/pdf; name="r.pdf"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment;\n filename*0="long-";\n filename*1="name.pdf"\n\nJVBERi0xLjQK\n--XYZ--\nepilogue\n`,
    );
    assert.equal(
      bs(raw),
      `(("text" "plain" ${US_ASCII} NIL NIL "7bit" ${size(text)} ${lines(text)} NIL NIL ("de") NIL)` +
        '("application" "pdf" ("name" "r.pdf") NIL NIL "base64" 12 NIL ("attachment" ("filename" "long-name.pdf")) NIL NIL) "mixed" ("boundary" "XYZ") NIL NIL NIL)',
    );
  });

  test('nested message/rfc822 with its own multipart, folded boundary parameter, escaped quote, every extension field', () => {
    const inner =
      'From: Sub Sender <sub@example.org>\nTo: one@example.org, two@example.org\nDate: Sun, 12 Aug 2012 12:34:56 +0300\nSubject: inner\nContent-Type: multipart/alternative; boundary="in"\n\nInner prologue\n--in\nContent-Type: text/html\nContent-Transfer-Encoding: 8bit\n\n<p>Hi</p>\n\n--in\nContent-Type: text/plain\nContent-Transfer-Encoding: ?bogus\n\nHi there\n\n--in--\nInner epilogue\n';
    const raw = msg(
      'From: user@example.org\nContent-Type: multipart/mixed; boundary="foo\n bar"\n\nRoot prologue\n\n--foo bar\n' +
        'Content-Type: text/x-own; charset=us-ascii; q="a\\"b"\nContent-ID: <id1@example.org>\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\nContent-Disposition: inline; x=y\nContent-Description: =?UTF-8?Q?d=C3=A9sc?=\nContent-Language: en, fi\nContent-Location: http://example.com/a.txt\n\nhello\n\n' +
        `--foo bar\nContent-Type: message/rfc822\n\n${inner}\n--foo bar--\nRoot epilogue\n`,
    );
    const innerEnvelope =
      '("Sun, 12 Aug 2012 12:34:56 +0300" "inner" (("Sub Sender" NIL "sub" "example.org")) (("Sub Sender" NIL "sub" "example.org")) (("Sub Sender" NIL "sub" "example.org")) ((NIL NIL "one" "example.org")(NIL NIL "two" "example.org")) NIL NIL NIL NIL)';
    assert.equal(
      bs(raw),
      '(("text" "x-own" ("charset" "us-ascii" "q" "a\\"b") "<id1@example.org>" "=?UTF-8?Q?d=C3=A9sc?=" "7bit" 7 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("x" "y")) ("en" "fi") "http://example.com/a.txt")' +
        `("message" "rfc822" NIL NIL NIL "7bit" ${size(inner)} ${innerEnvelope} ` +
        `(("text" "html" ${US_ASCII} NIL NIL "8bit" 11 1 NIL NIL NIL NIL)("text" "plain" ${US_ASCII} NIL NIL "7bit" 10 1 NIL NIL NIL NIL) "alternative" ("boundary" "in") NIL NIL NIL) ${lines(inner)} NIL NIL NIL NIL)` +
        ' "mixed" ("boundary" "foo bar") NIL NIL NIL)',
    );
    assert.equal(
      bs(raw, false),
      '(("text" "x-own" ("charset" "us-ascii" "q" "a\\"b") "<id1@example.org>" "=?UTF-8?Q?d=C3=A9sc?=" "7bit" 7 1)' +
        `("message" "rfc822" NIL NIL NIL "7bit" ${size(inner)} ${innerEnvelope} ` +
        `(("text" "html" ${US_ASCII} NIL NIL "8bit" 11 1)("text" "plain" ${US_ASCII} NIL NIL "7bit" 10 1) "alternative") ${lines(inner)}) "mixed")`,
    );
  });

  test('a multipart whose boundary never appears, or has none, gets an empty text/plain part (valid grammar)', () => {
    const empty = `("text" "plain" ${US_ASCII} NIL NIL "7bit" 0 0 NIL NIL NIL NIL)`;
    assert.equal(bs(msg('Content-Type: multipart/mixed; boundary="foo"\n\n')), `(${empty} "mixed" ("boundary" "foo") NIL NIL NIL)`);
    assert.equal(bs(msg('Content-Type: multipart/mixed; boundary=nope\n\nno delimiter here\n')), `(${empty} "mixed" ("boundary" "nope") NIL NIL NIL)`);
    assert.equal(bs(msg('Content-Type: multipart/related\n\n--x\n\nhi\n--x--\n')), `(${empty} "related" NIL NIL NIL NIL)`);
    assert.equal(bs(msg('Content-Type: multipart/mixed\n\n'), false), `(("text" "plain" ${US_ASCII} NIL NIL "7bit" 0 0) "mixed")`);
  });

  test('a missing close delimiter ends the last part at the end of the message', () => {
    const raw = msg('Content-Type: multipart/mixed; boundary=b1\n\n--b1\nContent-Type: text/plain\n\ntruncated\n');
    assert.equal(bs(raw), `(("text" "plain" ${US_ASCII} NIL NIL "7bit" 11 1 NIL NIL NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)`);
  });

  test('an outer boundary ends an inner multipart that was never closed', () => {
    const raw = msg('Content-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: multipart/alternative; boundary=in\n\n--in\n\nA\n--out\n\nB\n--out--\n');
    assert.equal(
      bs(raw, false),
      `((("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0) "alternative")("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0) "mixed")`,
    );
  });

  test('a boundary that starts with the outer one is not the outer one; padding after a delimiter is allowed', () => {
    const raw = msg('Content-Type: multipart/mixed; boundary=b1\n\n--b1 \t\nContent-Type: multipart/alternative; boundary=b1-in\n\n--b1-in\n\nA\n--b1-in\n\nB\n--b1-in--\n--b1--  \n');
    assert.equal(
      bs(raw, false),
      `((("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0)("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0) "alternative") "mixed")`,
    );
  });

  test('non-UTF-8 charset with 8-bit header bytes: the value goes out as a literal, bytes as sent', () => {
    const raw = Buffer.concat([
      msg('Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\nContent-Description: caf'),
      Buffer.from([0xe9]),
      msg('\n\ncaf'),
      Buffer.from([0xe9]),
      msg('\n'),
    ]);
    assert.equal(bs(raw), '("text" "plain" ("charset" "iso-8859-1") NIL {4}\r\ncaf\u00e9 "8bit" 6 1 NIL NIL NIL NIL)');
  });

  test('multipart/digest parts default to message/rfc822', () => {
    const part = 'Subject: one\n\nx\n';
    const raw = msg(`Content-Type: multipart/digest; boundary=d\n\n--d\n\n${part}--d--\n`);
    assert.equal(
      bs(raw, false),
      `(("message" "rfc822" NIL NIL NIL "7bit" ${size(part) - 2} (NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0) 2) "digest")`,
    );
  });

  test('a message stored with bare LF line ends: sizes are octets as stored', () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary=z\n\n--z\n\nab\ncd\n\n--z--\n', 'latin1');
    assert.equal(bs(raw, false), `(("text" "plain" ${US_ASCII} NIL NIL "7bit" 6 2) "mixed")`);
  });

  test('types and parameters as sent; an unparsable Content-Type is the default', () => {
    assert.equal(bs(msg('Content-Type: TEXT/HTML; CHARSET=ISO-8859-2\n\nx'), false), '("TEXT" "HTML" ("CHARSET" "ISO-8859-2") NIL NIL "7bit" 1 0)');
    assert.equal(bs(msg('Content-Type: text\n\nx'), false), `("text" "plain" ${US_ASCII} NIL NIL "7bit" 1 0)`);
    assert.equal(bs(msg('Content-Type: image/png\nContent-Transfer-Encoding: BASE64\n\niVBO'), false), '("image" "png" NIL NIL NIL "BASE64" 4)');
    assert.equal(bs(msg('Content-Type: text/plain; format=flowed\n\nx'), false), '("text" "plain" ("charset" "us-ascii" "format" "flowed") NIL NIL "7bit" 1 0)');
  });

  test('hostile shapes: 1,000 nested messages and 20,000 parts stay bounded', () => {
    const deep = Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(1000) + 'x', 'latin1');
    const out = bs(deep, false);
    assert.ok(out.startsWith('("message" "rfc822"'));
    assert.ok((out.match(/"rfc822"/g) ?? []).length <= 65, 'nesting is cut at the depth limit');
    const many = Buffer.from(`Content-Type: multipart/mixed; boundary=m\r\n\r\n${'--m\r\n\r\nx\r\n'.repeat(20000)}--m--\r\n`, 'latin1');
    const parts = (bs(many, false).match(/"plain"/g) ?? []).length;
    assert.ok(parts >= 9000 && parts <= 10000, `${parts} parts`);
  });

  test('property: any bytes give a BODYSTRUCTURE whose parentheses balance, and no exception', () => {
    const piece = fc.constantFrom(
      'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', '--b\r\n', '--b--\r\n', '\r\n', 'x\r\n',
      'Content-Type: multipart/digest; boundary=c\r\n', '--c\r\n', 'From: a@b\r\n', 'Content-Type: text/plain; charset="x\r\n', '(\r\n', '"\r\n',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 30 }), (pieces) => {
        const raw = Buffer.from(pieces.join(''), 'latin1');
        for (const ext of [true, false]) {
          const out = serialize(bodyStructure(raw, ext));
          // Skip literals and quoted strings, then count parentheses.
          let depth = 0;
          for (let i = 0; i < out.length; i++) {
            const c = out[i]!;
            if (c === 0x22) {
              i++;
              while (out[i] !== 0x22) i += out[i] === 0x5c ? 2 : 1;
            } else if (c === 0x7b) {
              const close = out.indexOf('}', i);
              i = close + 2 + Number(out.toString('latin1', i + 1, close));
            } else if (c === 0x28) depth++;
            else if (c === 0x29) depth--;
            assert.ok(depth >= 0);
          }
          assert.equal(depth, 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
