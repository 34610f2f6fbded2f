// ENVELOPE (src/imap/fetch/envelope.ts) by RFC 9051 section 7.5.2: field order, NIL for absent and ""
// for empty fields, Sender / Reply-To defaulting to From (absent or empty), groups, source routes,
// names from quoted strings and from the old "addr (Name)" comment, encoded words and 8-bit bytes left as
// sent; envelopeFromHeaders() on a header alone gives the same answer as on the whole message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { envelope, envelopeFromHeaders, envelopeValue, parseAddressList } from '../src/imap/fetch/envelope.js';
import { serialize } from '../src/imap/protocol/writer.js';

const msg = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
const env = (s: string | Buffer): string => serialize(envelopeValue(envelope(typeof s === 'string' ? msg(s) : s))).toString('latin1');

describe('ENVELOPE', () => {
  test('RFC 3501 section 7.4.2 example ENVELOPE', () => {
    assert.equal(
      env(
        'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\nFrom: Terry Gray <gray@cac.washington.edu>\nSubject: IMAP4rev1 WG mtg summary and minutes\nTo: imap@cac.washington.edu\ncc: minutes@CNRI.Reston.VA.US,\n John Klensin <KLENSIN@MIT.EDU>\nMessage-Id: <B27397-0100000@cac.washington.edu>\nMIME-Version: 1.0\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\nbody\n',
      ),
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")',
    );
  });

  test('every field in order', () => {
    assert.equal(
      env(
        'Message-ID: <m1@example.org>\nIn-Reply-To: <r1@example.org>\nDate: Thu, 15 Feb 2007 01:02:03 +0200\nSubject: the subject\nFrom: From Name <from@example.org>\nTo: To Name <to@example.org>\nCc: Cc Name <cc@example.org>\nBcc: Bcc Name <bcc@example.org>\nSender: Sender Name <sender@example.org>\nReply-To: Reply Name <reply@example.org>\n\nbody\n',
      ),
      '("Thu, 15 Feb 2007 01:02:03 +0200" "the subject" (("From Name" NIL "from" "example.org")) (("Sender Name" NIL "sender" "example.org")) (("Reply Name" NIL "reply" "example.org")) (("To Name" NIL "to" "example.org")) (("Cc Name" NIL "cc" "example.org")) (("Bcc Name" NIL "bcc" "example.org")) "<r1@example.org>" "<m1@example.org>")',
    );
  });

  test('absent fields are NIL, Sender and Reply-To default to From when absent or empty', () => {
    const from = '((NIL NIL "user" "example.org"))';
    assert.equal(env('Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: user@example.org\n\nbody\n'), `("Thu, 15 Feb 2007 01:02:03 +0200" NIL ${from} ${from} ${from} NIL NIL NIL NIL NIL)`);
    const named = '(("Real Name" NIL "user" "example.org"))';
    assert.equal(env('From: user@example.org (Real Name)\nSender: \nReply-To:\nSubject:\n\n'), `(NIL "" ${named} ${named} ${named} NIL NIL NIL NIL NIL)`);
    assert.equal(env('\nbody'), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
    assert.equal(env(''), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  });

  test('groups, empty groups, comments inside groups', () => {
    assert.equal(
      env('From: a@example.org\nTo: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;\nCc: undisclosed-recipients:;, group2: (nobody) ;\n\n'),
      '(NIL NIL ((NIL NIL "a" "example.org")) ((NIL NIL "a" "example.org")) ((NIL NIL "a" "example.org")) ' +
        '((NIL NIL "group" NIL)(NIL NIL "g1" "d1.org")(NIL NIL "g2" "d2.org")(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL "g3" "d3.org")(NIL NIL NIL NIL)) ' +
        '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)',
    );
  });

  test('source routes, quoted names with specials, folded headers, missing parts', () => {
    const to = (s: string) => serialize(envelopeValue(envelope(msg(`To: ${s}\n\n`)))).toString('latin1').slice('(NIL NIL NIL NIL NIL '.length, -' NIL NIL NIL NIL)'.length);
    assert.equal(to('<@route:user@domain>'), '((NIL "@route" "user" "domain"))');
    assert.equal(to('<@r1,@r2:user@domain>'), '((NIL "@r1,@r2" "user" "domain"))');
    assert.equal(to('"Doe, John" <john@example.org>'), '(("Doe, John" NIL "john" "example.org"))');
    assert.equal(to('"A \\"B\\"" <a@example.org>, C D <c@example.org>'), '(("A \\"B\\"" NIL "a" "example.org")("C D" NIL "c" "example.org"))');
    assert.equal(to('=?UTF-8?B?SsO2cmc=?= <j@example.org>'), '(("=?UTF-8?B?SsO2cmc=?=" NIL "j" "example.org"))');
    assert.equal(to('first@example.org,\n second@example.org'), '((NIL NIL "first" "example.org")(NIL NIL "second" "example.org"))');
    assert.equal(to('localonly'), '((NIL NIL "localonly" "MISSING_DOMAIN"))');
    assert.equal(to('<>'), '((NIL NIL "" ""))');
    assert.equal(to('john.q.public@example.com'), '((NIL NIL "john.q.public" "example.com"))');
    assert.equal(to('Name <user@[192.168.0.1]>'), '(("Name" NIL "user" "[192.168.0.1]"))');
    assert.equal(to(''), 'NIL');
    assert.equal(to(' , '), 'NIL');
  });

  test('encoded words and 8-bit bytes left as sent (a literal where a quoted string would not be exact)', () => {
    const raw = Buffer.concat([msg('Subject: =?ISO-8859-1?Q?caf=E9?=\nFrom: J'), Buffer.from([0xf6]), msg('rg <j@example.org>\nDate: x\n\n')]);
    assert.equal(
      env(raw),
      '("x" "=?ISO-8859-1?Q?caf=E9?=" (({4}\r\nJ\u00f6rg NIL "j" "example.org")) (({4}\r\nJ\u00f6rg NIL "j" "example.org")) (({4}\r\nJ\u00f6rg NIL "j" "example.org")) NIL NIL NIL NIL NIL)',
    );
  });

  test('the first of repeated fields; subject unfolded; header only, without a blank line or final CRLF', () => {
    assert.equal(env('Subject: one\n two\nSubject: other\n\n'), '(NIL "one two" NIL NIL NIL NIL NIL NIL NIL NIL)');
    assert.equal(serialize(envelopeValue(envelopeFromHeaders(Buffer.from('Subject: tail', 'latin1')))).toString(), '(NIL "tail" NIL NIL NIL NIL NIL NIL NIL NIL)');
  });

  test('property: envelopeFromHeaders(header) equals envelope(message); any bytes never throw', () => {
    const field = fc.constantFrom('From', 'To', 'Cc', 'Subject', 'Date', 'Sender', 'Reply-To', 'Message-ID', 'X-Other');
    const value = fc.oneof(
      fc.constantFrom('a@b.c', 'Name <x@y.z>', 'g: a@b, c@d;', '"q, r" <s@t>', '(c) u@v', '<@r:w@x>', '', '=?UTF-8?Q?x?='),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(field, value), { maxLength: 8 }), fc.string({ maxLength: 20 }), (fields, body) => {
        const header = fields.map(([f, v]) => `${f}: ${v}\r\n`).join('');
        const whole = Buffer.from(`${header}\r\n${body}`, 'latin1');
        assert.deepEqual(envelope(whole), envelopeFromHeaders(Buffer.from(`${header}\r\n`, 'latin1')));
        serialize(envelopeValue(envelope(whole)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        serialize(envelopeValue(envelope(Buffer.from(bytes))));
        parseAddressList(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
