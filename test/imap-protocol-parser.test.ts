// IMAP command parsing (src/imap/protocol/parser.ts): the RFC 9051 / 3501 examples and every command the
// server implements, errors that name the tag, mailbox name codecs, and properties: generated commands
// round-trip through their wire form, and arbitrary or mutated bytes only ever raise ParseError.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { ImapReader } from '../src/imap/protocol/reader.js';
import type { RawCommand } from '../src/imap/protocol/reader.js';
import { ParseError, commandHead, formatSeqSet, parseCommand, resolveSeqSet, seqSetHas } from '../src/imap/protocol/parser.js';
import type { ParseOptions } from '../src/imap/protocol/parser.js';
import { MailboxNameError, decodeModifiedUtf7, encodeModifiedUtf7 } from '../src/imap/protocol/mailbox-name.js';
import { SASL_LOGIN_PASSWORD, SASL_LOGIN_USERNAME, SaslError, decodeSaslResponse, isSaslCancel, parseSaslPlain } from '../src/imap/protocol/sasl.js';
import type { Command, FetchAtt, SearchKey, SequenceSet } from '../src/imap/protocol/types.js';

/** Frames wire text (CRLF-terminated command, literals included) with the real reader. */
function frame(wire: string | Buffer): RawCommand {
  const r = new ImapReader({ maxLineBytes: 65536, maxLiteralBytes: 1 << 20 });
  r.push(typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire);
  for (;;) {
    const e = r.next();
    assert.ok(e, 'the reader produced no command');
    if (e.kind === 'command') return e.command;
    assert.equal(e.kind, 'continue');
  }
}

const parse = (wire: string, options?: ParseOptions): Command => parseCommand(frame(wire.endsWith('\n') ? wire : wire + '\r\n'), options);

function parseFails(wire: string, tag: string, match?: RegExp): ParseError {
  try {
    parse(wire);
  } catch (err) {
    assert.ok(err instanceof ParseError, `not a ParseError: ${String(err)}`);
    assert.equal(err.tag, tag);
    if (match) assert.match(err.message, match);
    return err;
  }
  assert.fail(`parsed: ${wire}`);
}

/** fast-check builds records without a prototype; compare plain data. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

const set = (...ranges: Array<[number | '*', number | '*']>): SequenceSet => ({ saved: false, ranges: ranges.map(([from, to]) => ({ from, to })) });

describe('IMAP parser: commands', () => {
  test('commands without arguments, any case', () => {
    for (const name of ['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE']) {
      assert.deepEqual(parse(`t1 ${name.toLowerCase()}`), { tag: 't1', name });
    }
    parseFails('t1 NOOP extra', 't1', /unexpected text/);
  });

  test('LOGIN with atoms, quoted strings and literals; AUTHENTICATE with and without SASL-IR', () => {
    assert.deepEqual(parse('a001 LOGIN SMITH SESAME'), { tag: 'a001', name: 'LOGIN', user: 'SMITH', password: 'SESAME' });
    assert.deepEqual(parse('a LOGIN "bob@example.com" "p\\"w\\\\d"'), { tag: 'a', name: 'LOGIN', user: 'bob@example.com', password: 'p"w\\d' });
    assert.deepEqual(parse('a LOGIN {3}\r\nbob {8+}\r\np ss\r\nü\r\n'), { tag: 'a', name: 'LOGIN', user: 'bob', password: 'p ss\r\nü' });
    assert.deepEqual(parse('a AUTHENTICATE PLAIN'), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN' });
    assert.deepEqual(parse('a AUTHENTICATE plain AGJvYgBwdw=='), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGJvYgBwdw==' });
    assert.deepEqual(parse('a AUTHENTICATE PLAIN ='), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: '' });
    parseFails('a AUTHENTICATE PLAIN AGJv!', 'a');
    parseFails('a LOGIN bob', 'a', /space/);
  });

  test('ENABLE, ID, NAMESPACE', () => {
    assert.deepEqual(parse('a ENABLE QRESYNC condstore'), { tag: 'a', name: 'ENABLE', capabilities: ['QRESYNC', 'CONDSTORE'] });
    parseFails('a ENABLE', 'a');
    assert.deepEqual(parse('a ID ("name" "imapflow" "version" NIL)'), { tag: 'a', name: 'ID', params: [['name', 'imapflow'], ['version', null]] });
    assert.deepEqual(parse('a ID NIL'), { tag: 'a', name: 'ID', params: null });
    assert.deepEqual(parse('a ID ()'), { tag: 'a', name: 'ID', params: [] });
  });

  test('SELECT / EXAMINE with CONDSTORE and QRESYNC (RFC 7162 section 3.2.5 examples)', () => {
    assert.deepEqual(parse('A142 SELECT INBOX'), { tag: 'A142', name: 'SELECT', mailbox: 'INBOX', condstore: false });
    assert.deepEqual(parse('a select inbox (CONDSTORE)'), { tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: true });
    assert.deepEqual(parse('A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))'), {
      tag: 'A02',
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      // Larger than our modseqs can be: clamped, which compares the same.
      qresync: { uidValidity: 67890007, modseq: Number.MAX_SAFE_INTEGER, knownUids: set([41, 211], [214, 541]) },
    });
    assert.deepEqual(parse('B04 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))'), {
      tag: 'B04',
      name: 'EXAMINE',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modseq: Number.MAX_SAFE_INTEGER,
        knownUids: set([1, 29997]),
        seqMatch: {
          seqs: set([5000, 5000], [7500, 7500], [9000, 9000], [9990, 9999]),
          uids: set(...[15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map((n): [number, number] => [n, n])),
        },
      },
    });
    assert.deepEqual(parse('a SELECT Sent (QRESYNC (1 5))'), { tag: 'a', name: 'SELECT', mailbox: 'Sent', condstore: false, qresync: { uidValidity: 1, modseq: 5 } });
    parseFails('a SELECT INBOX (QRESYNC (0 5))', 'a', /UIDVALIDITY/);
    parseFails('a SELECT INBOX (QRESYNC (1 99999999999999999999))', 'a', /too large/);
    parseFails('a SELECT INBOX (FOO)', 'a', /unknown SELECT parameter/);
  });

  test('mailbox commands; modified UTF-7 names decoded, UTF-8 names when enabled, INBOX any case', () => {
    assert.deepEqual(parse('A002 CREATE owatagusiam/'), { tag: 'A002', name: 'CREATE', mailbox: 'owatagusiam/' });
    assert.deepEqual(parse('a CREATE "~peter/mail/&U,BTFw-/&ZeVnLIqe-"'), { tag: 'a', name: 'CREATE', mailbox: '~peter/mail/台北/日本語' });
    assert.deepEqual(parse('a DELETE "Entw&APw-rfe"'), { tag: 'a', name: 'DELETE', mailbox: 'Entwürfe' });
    assert.deepEqual(parse('a DELETE "Entwürfe"', { utf8: true }), { tag: 'a', name: 'DELETE', mailbox: 'Entwürfe' });
    assert.deepEqual(parse('a DELETE "Entw&APw-rfe"', { utf8: true }), { tag: 'a', name: 'DELETE', mailbox: 'Entw&APw-rfe' });
    parseFails('a DELETE "Entwürfe"', 'a', /modified UTF-7/);
    parseFails('a DELETE "A&Jjo"', 'a', /unterminated/);
    assert.deepEqual(parse('a RENAME "Old" {3+}\r\nNew\r\n'), { tag: 'a', name: 'RENAME', from: 'Old', to: 'New' });
    assert.deepEqual(parse('a SUBSCRIBE inBox'), { tag: 'a', name: 'SUBSCRIBE', mailbox: 'INBOX' });
    assert.deepEqual(parse('a UNSUBSCRIBE "inbox/x"'), { tag: 'a', name: 'UNSUBSCRIBE', mailbox: 'inbox/x' });
  });

  test('LIST, LIST-EXTENDED (RFC 5258, 6154, 5819) and LSUB', () => {
    const plain = { subscribed: false, children: false, specialUse: false };
    assert.deepEqual(parse('A101 LIST "" ""'), { tag: 'A101', name: 'LIST', reference: '', patterns: [''], selection: [], extended: false, return: plain });
    assert.deepEqual(parse('A102 LIST #news.comp.mail.misc %'), {
      tag: 'A102', name: 'LIST', reference: '#news.comp.mail.misc', patterns: ['%'], selection: [], extended: false, return: plain,
    });
    assert.deepEqual(parse('t1 LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN HIGHESTMODSEQ))'), {
      tag: 't1', name: 'LIST', reference: '', patterns: ['*'], selection: [], extended: true,
      return: { ...plain, specialUse: true, status: ['MESSAGES', 'UNSEEN', 'HIGHESTMODSEQ'] },
    });
    assert.deepEqual(parse('t2 LIST (SPECIAL-USE subscribed RECURSIVEMATCH) "" ("INBOX" Sent* "&ZeVnLIqe-/%") RETURN (CHILDREN SUBSCRIBED)'), {
      tag: 't2', name: 'LIST', reference: '', patterns: ['INBOX', 'Sent*', '日本語/%'], selection: ['SPECIAL-USE', 'SUBSCRIBED', 'RECURSIVEMATCH'], extended: true,
      return: { subscribed: true, children: true, specialUse: false },
    });
    assert.deepEqual(parse('t3 LIST () "" % RETURN ()'), { tag: 't3', name: 'LIST', reference: '', patterns: ['%'], selection: [], extended: true, return: plain });
    parseFails('t4 LIST (RECURSIVEMATCH) "" %', 't4', /RECURSIVEMATCH/);
    parseFails('t5 LIST "" % RETURN (FOO)', 't5', /return option/);
    assert.deepEqual(parse('a LSUB "#news." "comp.mail.*"'), { tag: 'a', name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' });
  });

  test('STATUS items', () => {
    assert.deepEqual(parse('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), { tag: 'A042', name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] });
    assert.deepEqual(parse('a STATUS INBOX (messages uidnext uidvalidity unseen deleted size highestmodseq recent)'), {
      tag: 'a', name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'RECENT'],
    });
    parseFails('a STATUS INBOX (FOO)', 'a', /STATUS item/);
    parseFails('a STATUS INBOX ()', 'a');
  });

  test('APPEND: flags, date-time, literal, literal8, MULTIAPPEND', () => {
    const msg = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n';
    const n = Buffer.byteLength(msg);
    assert.deepEqual(parse(`A003 APPEND saved-messages (\\Seen) {${n}}\r\n${msg}\r\n`), {
      tag: 'A003', name: 'APPEND', mailbox: 'saved-messages', messages: [{ flags: ['\\Seen'], message: Buffer.from(msg), binary: false }],
    });
    const c = parse(`a APPEND Sent () " 7-Feb-1994 21:52:25 -0800" ~{3+}\r\na\0b {2+}\r\nhi\r\n`);
    assert.deepEqual(c, {
      tag: 'a', name: 'APPEND', mailbox: 'Sent',
      messages: [
        { flags: [], date: new Date('1994-02-08T05:52:25Z'), message: Buffer.from('a\0b'), binary: true },
        { message: Buffer.from('hi'), binary: false },
      ],
    });
    assert.deepEqual(parse(`a APPEND INBOX "17-Jul-1996 02:44:25 +0200" {1+}\r\nx\r\n`), {
      tag: 'a', name: 'APPEND', mailbox: 'INBOX', messages: [{ date: new Date('1996-07-17T00:44:25Z'), message: Buffer.from('x'), binary: false }],
    });
    parseFails('a APPEND INBOX "x"', 'a');
    parseFails('a APPEND INBOX "31-Feb-2020 00:00:00 +0000" {1+}\r\nx\r\n', 'a', /date-time/);
    parseFails('a APPEND INBOX', 'a', /needs a message/);
    // RFC 6855 4: the UTF8 data item, a literal8 in parentheses, alone or among other messages.
    const utf8 = 'Subject: caf\u00e9\r\n\r\nx';
    assert.deepEqual(parse(`a APPEND INBOX (\\Seen) UTF8 (~{${Buffer.byteLength(utf8)}+}\r\n${utf8}) {1+}\r\ny\r\n`), {
      tag: 'a', name: 'APPEND', mailbox: 'INBOX', messages: [{ flags: ['\\Seen'], message: Buffer.from(utf8), binary: true }, { message: Buffer.from('y'), binary: false }],
    });
    parseFails('a APPEND INBOX UTF8 {1+}\r\nx\r\n', 'a', /expected "\("/);
    parseFails('a APPEND INBOX UTF8 (~{1+}\r\nx\r\n', 'a', /expected "\)"/);
  });

  test('EXPUNGE, UID EXPUNGE, COPY, MOVE', () => {
    assert.deepEqual(parse('a EXPUNGE'), { tag: 'a', name: 'EXPUNGE', uid: false });
    assert.deepEqual(parse('a UID EXPUNGE 3000:3002'), { tag: 'a', name: 'EXPUNGE', uid: true, uids: set([3000, 3002]) });
    assert.deepEqual(parse('A003 COPY 2:4 MEETING'), { tag: 'A003', name: 'COPY', uid: false, set: set([2, 4]), mailbox: 'MEETING' });
    assert.deepEqual(parse('a UID MOVE 42:69,* "Trash"'), { tag: 'a', name: 'MOVE', uid: true, set: set([42, 69], ['*', '*']), mailbox: 'Trash' });
    assert.deepEqual(parse('a MOVE $ Junk'), { tag: 'a', name: 'MOVE', uid: false, set: { saved: true }, mailbox: 'Junk' });
    parseFails('a COPY 0 X', 'a', /must not be 0/);
    parseFails('a COPY 4294967296 X', 'a', /too large/);
    parseFails('a UID NOOP', 'a', /not a command/);
  });

  test('FETCH: macros, items, sections, partials, BINARY, modifiers (RFC 9051 / 3501 / 3516 / 7162)', () => {
    assert.deepEqual(parse('a FETCH 1:* fast'), {
      tag: 'a', name: 'FETCH', uid: false, set: set([1, '*']), macro: 'FAST', vanished: false, items: [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }],
    });
    const full = parse('a FETCH 1 FULL');
    assert.ok(full.name === 'FETCH' && full.items.length === 5 && full.items[4]!.kind === 'BODY');
    assert.deepEqual(parse('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])'), {
      tag: 'A654', name: 'FETCH', uid: false, set: set([2, 4]), vanished: false,
      items: [{ kind: 'FLAGS' }, { kind: 'BODY[]', peek: false, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] } }],
    });
    const items = (wire: string): FetchAtt[] => {
      const c = parse(`a UID FETCH 1 ${wire}`);
      assert.ok(c.name === 'FETCH');
      return c.items;
    };
    assert.deepEqual(items('(UID RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY MODSEQ INTERNALDATE RFC822 RFC822.HEADER RFC822.TEXT)').map((i) => i.kind), [
      'UID', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'MODSEQ', 'INTERNALDATE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT',
    ]);
    assert.deepEqual(items('BODY.PEEK[]<0.2048>'), [{ kind: 'BODY[]', peek: true, section: { part: [] }, partial: { offset: 0, length: 2048 } }]);
    assert.deepEqual(items('(BODY[1.2.3] BODY[4.2.2.1.MIME] body.peek[3.header.fields.not ("X-Y" Subject)] BODY[2.TEXT] BODY[HEADER] BODY[TEXT]<5.10>)'), [
      { kind: 'BODY[]', peek: false, section: { part: [1, 2, 3] } },
      { kind: 'BODY[]', peek: false, section: { part: [4, 2, 2, 1], text: 'MIME' } },
      { kind: 'BODY[]', peek: true, section: { part: [3], text: 'HEADER.FIELDS.NOT', fields: ['X-Y', 'Subject'] } },
      { kind: 'BODY[]', peek: false, section: { part: [2], text: 'TEXT' } },
      { kind: 'BODY[]', peek: false, section: { part: [], text: 'HEADER' } },
      { kind: 'BODY[]', peek: false, section: { part: [], text: 'TEXT' }, partial: { offset: 5, length: 10 } },
    ]);
    assert.deepEqual(items('(BINARY[1.2] BINARY.PEEK[]<1.2> BINARY.SIZE[3])'), [
      { kind: 'BINARY', peek: false, part: [1, 2] },
      { kind: 'BINARY', peek: true, part: [], partial: { offset: 1, length: 2 } },
      { kind: 'BINARY.SIZE', part: [3] },
    ]);
    assert.deepEqual(parse('s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)'), {
      tag: 's100', name: 'FETCH', uid: true, set: set([300, 500]), items: [{ kind: 'FLAGS' }], changedSince: 12345, vanished: true,
    });
    parseFails('a FETCH 1 (CHANGEDSINCE 1 VANISHED)', 'a');
    parseFails('a FETCH 1 FLAGS (VANISHED)', 'a', /VANISHED/);
    parseFails('a FETCH 1 BODY[MIME]', 'a', /bad section/);
    parseFails('a FETCH 1 BODY[1.FOO]', 'a', /bad section/);
    parseFails('a FETCH 1 BODY[]<0.0>', 'a', /partial/);
    parseFails('a FETCH 1 (FLAGS', 'a');
    parseFails('a FETCH 1 (ALL)', 'a', /unknown FETCH item/);
    parseFails('a FETCH 1 ENVELOPE[]', 'a', /no section/);
  });

  test('STORE: modes, silent, list or bare flags, UNCHANGEDSINCE', () => {
    assert.deepEqual(parse('A003 STORE 2:4 +FLAGS (\\Deleted)'), { tag: 'A003', name: 'STORE', uid: false, set: set([2, 4]), op: 'add', silent: false, flags: ['\\Deleted'] });
    assert.deepEqual(parse('a UID STORE 1,3 -flags.silent \\Seen $Forwarded'), { tag: 'a', name: 'STORE', uid: true, set: set([1, 1], [3, 3]), op: 'remove', silent: true, flags: ['\\Seen', '$Forwarded'] });
    assert.deepEqual(parse('d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)'), {
      tag: 'd105', name: 'STORE', uid: false, set: set([7, 7], [5, 5], [9, 9]), op: 'add', silent: true, flags: ['\\Deleted'], unchangedSince: 320162338,
    });
    assert.deepEqual(parse('a STORE 1 FLAGS ()'), { tag: 'a', name: 'STORE', uid: false, set: set([1, 1]), op: 'set', silent: false, flags: [] });
    parseFails('a STORE 1 FLAGS (\\*)', 'a');
    parseFails('a STORE 1 LABELS (x)', 'a', /FLAGS/);
  });

  test('SEARCH: the RFC examples, every key, CHARSET, RETURN (ESEARCH)', () => {
    assert.deepEqual(parse('A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
      tag: 'A282', name: 'SEARCH', uid: false,
      key: { type: 'and', keys: [
        { type: 'flag', flag: '\\Flagged', set: true },
        { type: 'date', field: 'internal', cmp: 'since', date: '1994-02-01' },
        { type: 'not', key: { type: 'header', field: 'From', value: 'Smith' } },
      ] },
    });
    assert.deepEqual(parse('A284 SEARCH CHARSET UTF-8 TEXT {12}\r\nто, что\r\n'), { tag: 'A284', name: 'SEARCH', uid: false, charset: 'UTF-8', key: { type: 'text', value: 'то, что' } });
    const latin1 = Buffer.concat([Buffer.from('a SEARCH CHARSET ISO-8859-1 SUBJECT {4+}\r\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('\r\n')]);
    assert.deepEqual(parseCommand(frame(latin1)), { tag: 'a', name: 'SEARCH', uid: false, charset: 'ISO-8859-1', key: { type: 'header', field: 'Subject', value: 'café' } });
    const bad = parseFails('a SEARCH CHARSET X-NOPE ALL', 'a', /charset/);
    assert.equal(bad.code, 'BADCHARSET');
    const key = (wire: string): SearchKey => {
      const c = parse(`a UID SEARCH ${wire}`);
      assert.ok(c.name === 'SEARCH');
      return c.key;
    };
    assert.deepEqual(key('ALL'), { type: 'all' });
    assert.deepEqual(key('answered unanswered deleted undeleted draft undraft flagged unflagged seen unseen recent'), {
      type: 'and', keys: [
        ['\\Answered', true], ['\\Answered', false], ['\\Deleted', true], ['\\Deleted', false], ['\\Draft', true], ['\\Draft', false],
        ['\\Flagged', true], ['\\Flagged', false], ['\\Seen', true], ['\\Seen', false], ['\\Recent', true],
      ].map(([flag, s]) => ({ type: 'flag', flag, set: s })),
    });
    assert.deepEqual(key('NEW'), { type: 'and', keys: [{ type: 'flag', flag: '\\Recent', set: true }, { type: 'flag', flag: '\\Seen', set: false }] });
    assert.deepEqual(key('OLD'), { type: 'not', key: { type: 'flag', flag: '\\Recent', set: true } });
    assert.deepEqual(key('KEYWORD $Forwarded'), { type: 'flag', flag: '$Forwarded', set: true });
    assert.deepEqual(key('UNKEYWORD Junk'), { type: 'flag', flag: 'Junk', set: false });
    assert.deepEqual(key('TO a CC "b c" BCC d'), { type: 'and', keys: [
      { type: 'header', field: 'To', value: 'a' }, { type: 'header', field: 'Cc', value: 'b c' }, { type: 'header', field: 'Bcc', value: 'd' },
    ] });
    assert.deepEqual(key('HEADER Message-ID "<x@y>"'), { type: 'header', field: 'Message-ID', value: '<x@y>' });
    assert.deepEqual(key('BODY hello'), { type: 'body', value: 'hello' });
    assert.deepEqual(key('BEFORE "07-Feb-1994" ON 7-feb-1994 SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-Jan-2000'), { type: 'and', keys: [
      { type: 'date', field: 'internal', cmp: 'before', date: '1994-02-07' },
      { type: 'date', field: 'internal', cmp: 'on', date: '1994-02-07' },
      { type: 'date', field: 'sent', cmp: 'before', date: '2000-01-01' },
      { type: 'date', field: 'sent', cmp: 'on', date: '2000-01-02' },
      { type: 'date', field: 'sent', cmp: 'since', date: '2000-01-03' },
    ] });
    assert.deepEqual(key('LARGER 1000 SMALLER 20000'), { type: 'and', keys: [{ type: 'size', cmp: 'larger', size: 1000 }, { type: 'size', cmp: 'smaller', size: 20000 }] });
    assert.deepEqual(key('1:5,7 UID 10:* $'), { type: 'and', keys: [{ type: 'seq', set: set([1, 5], [7, 7]) }, { type: 'uid', set: set([10, '*']) }, { type: 'seq', set: { saved: true } }] });
    assert.deepEqual(key('OR (SEEN FLAGGED) NOT OR DRAFT DELETED'), {
      type: 'or',
      left: { type: 'and', keys: [{ type: 'flag', flag: '\\Seen', set: true }, { type: 'flag', flag: '\\Flagged', set: true }] },
      right: { type: 'not', key: { type: 'or', left: { type: 'flag', flag: '\\Draft', set: true }, right: { type: 'flag', flag: '\\Deleted', set: true } } },
    });
    assert.deepEqual(key('(SEEN)'), { type: 'flag', flag: '\\Seen', set: true });
    assert.deepEqual(key('MODSEQ 620162338'), { type: 'modseq', modseq: 620162338 });
    assert.deepEqual(key('MODSEQ "/flags/\\\\draft" all 620162338'), { type: 'modseq', modseq: 620162338, entry: { name: '/flags/\\draft', kind: 'all' } });
    assert.deepEqual(parse('a SEARCH RETURN (MIN MAX count ALL SAVE) UNSEEN'), { tag: 'a', name: 'SEARCH', uid: false, return: ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'], key: { type: 'flag', flag: '\\Seen', set: false } });
    assert.deepEqual(parse('a SEARCH RETURN () CHARSET US-ASCII ALL'), { tag: 'a', name: 'SEARCH', uid: false, return: [], charset: 'US-ASCII', key: { type: 'all' } });
    parseFails('a SEARCH', 'a');
    parseFails('a SEARCH FOO', 'a', /search key/);
    parseFails('a SEARCH SINCE 32-Jan-2000', 'a');
    parseFails('a SEARCH SINCE 1-Foo-2000', 'a', /month/);
    parseFails('a SEARCH (SEEN', 'a');
    parseFails('a SEARCH RETURN (PARTIAL 1:10) ALL', 'a', /return option/);
    parseFails(`a SEARCH ${'NOT '.repeat(100)}SEEN`, 'a', /nested/);
  });

  test('errors name the tag and, once known, the command; commandHead reads both without parsing', () => {
    const e = parseFails('x1 FETCH 1 (FLAGZ)', 'x1');
    assert.equal(e.command, 'FETCH');
    parseFails('x2 FROB', 'x2', /unknown command FROB/);
    parseFails('NOOP', 'NOOP', /space/); // a lone word is a tag without a command
    parseFails('(x NOOP', '*', /tag/);
    parseFails('a+b NOOP', '*', /tag/);
    assert.deepEqual(parse('a]1 NOOP'), { tag: 'a]1', name: 'NOOP' });
    assert.deepEqual(commandHead(frame('t9 uid fetch 1 (x\r\n')), { tag: 't9', name: 'FETCH', uid: true });
    assert.deepEqual(commandHead(frame('t9 select\r\n')), { tag: 't9', name: 'SELECT', uid: false });
  });
});

describe('SASL', () => {
  test('PLAIN responses (RFC 4616), base64 validation, LOGIN prompts, cancel', () => {
    assert.deepEqual(parseSaslPlain(decodeSaslResponse('AGJvYgBwdw==')), { authzid: '', authcid: 'bob', password: 'pw' });
    assert.deepEqual(parseSaslPlain(Buffer.from('admin\0bob\0p\u00e4ss')), { authzid: 'admin', authcid: 'bob', password: 'päss' });
    for (const bad of ['bob\0pw', '\0\0pw', 'a\0b\0c\0d']) assert.throws(() => parseSaslPlain(Buffer.from(bad)), SaslError, bad);
    assert.throws(() => parseSaslPlain(Buffer.from([0, 0x62, 0, 0xff])), SaslError);
    assert.throws(() => decodeSaslResponse('AGJv!'), SaslError);
    assert.throws(() => decodeSaslResponse('AGJ'), SaslError);
    assert.equal(decodeSaslResponse('=').length, 0);
    assert.equal(Buffer.from(SASL_LOGIN_USERNAME, 'base64').toString(), 'Username:');
    assert.equal(Buffer.from(SASL_LOGIN_PASSWORD, 'base64').toString(), 'Password:');
    assert.ok(isSaslCancel('*') && !isSaslCancel('Kg=='));
  });
});

describe('sequence sets', () => {
  test('resolve, membership and wire form', () => {
    const s = { ranges: [{ from: 5, to: 3 }, { from: '*' as const, to: 9 }, { from: 1, to: 1 }, { from: 2, to: 2 }] };
    assert.deepEqual(resolveSeqSet(s, 7), [[1, 5], [7, 9]]);
    assert.equal(seqSetHas(s, 6, 7), false);
    assert.equal(seqSetHas(s, 8, 7), true);
    assert.equal(formatSeqSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
    assert.equal(formatSeqSet([9, 10, 4]), '9:10,4');
    assert.equal(formatSeqSet([[1, 3], [5, 5]]), '1:3,5');
    assert.equal(formatSeqSet([]), '');
  });
});

describe('mailbox name codecs', () => {
  test('RFC 3501 section 5.1.3 example and the edge cases', () => {
    assert.equal(encodeModifiedUtf7('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    assert.equal(encodeModifiedUtf7('A&B'), 'A&-B');
    assert.equal(decodeModifiedUtf7('&-&-'), '&&');
    assert.equal(encodeModifiedUtf7('😀'), '&2D3eAA-');
    assert.equal(decodeModifiedUtf7('&2D3eAA-'), '😀');
    for (const bad of ['&', '&AGE-', '&2D0-', '&Jjo!-', 'a\u0001', '&U,BTFw', '&U,BTF-']) {
      assert.throws(() => decodeModifiedUtf7(bad), MailboxNameError, bad);
    }
  });

  test('property: decode(encode(name)) is the name; encode(decode(wire)) is the wire', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (name) => {
        const wire = encodeModifiedUtf7(name);
        assert.match(wire, /^[\x20-\x7e]*$/);
        assert.equal(decodeModifiedUtf7(wire), name);
        assert.equal(encodeModifiedUtf7(decodeModifiedUtf7(wire)), wire);
      }),
      { numRuns: 500 },
    );
  });
});

// ---- Round trips: generated commands written in their wire form parse back to themselves ----

/** Builds a RawCommand from text pieces and literals, the way a client would send them. */
class Wire {
  lines: string[] = [''];
  literals: Buffer[] = [];
  text(s: string): this {
    this.lines[this.lines.length - 1] += s;
    return this;
  }
  /** A string as an atom, quoted or LITERAL+ as it needs. */
  string(v: string, mode: 'quoted' | 'literal' | 'auto'): this {
    if (mode === 'literal' || (mode === 'auto' && /[\r\n\0"\\\u0080-\uffff]/.test(v))) {
      const bytes = Buffer.from(v, 'utf8');
      this.text(`{${bytes.length}+}`);
      this.literals.push(bytes);
      this.lines.push('');
      return this;
    }
    return this.text(`"${v.replace(/["\\]/g, (m) => '\\' + m)}"`);
  }
  raw(tag: string): RawCommand {
    return { lines: this.lines.map((l) => Buffer.from(l, 'latin1')), literals: this.literals, tag };
  }
}

const seqNum = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constant<'*'>('*'));
const seqSetArb: fc.Arbitrary<SequenceSet> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.record({ from: seqNum, to: seqNum }), { minLength: 1, maxLength: 4 }).map((ranges): SequenceSet => ({ saved: false, ranges })) },
  { weight: 1, arbitrary: fc.constant<SequenceSet>({ saved: true }) },
);
const seqText = (s: SequenceSet): string => (s.saved ? '$' : s.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(','));

const atomArb = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$-]{0,8}$/);
const textArb = fc.string({ unit: 'grapheme', maxLength: 12 });
const dateArb = fc.date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const dateText = (d: string): string => `${Number(d.slice(8))}-${MON[Number(d.slice(5, 7)) - 1]}-${d.slice(0, 4)}`;

const FLAG_WORDS: Record<string, [string, string]> = {
  '\\Answered': ['ANSWERED', 'UNANSWERED'], '\\Deleted': ['DELETED', 'UNDELETED'], '\\Draft': ['DRAFT', 'UNDRAFT'],
  '\\Flagged': ['FLAGGED', 'UNFLAGGED'], '\\Seen': ['SEEN', 'UNSEEN'],
};
const HEADER_WORDS: Record<string, string> = { From: 'FROM', To: 'TO', Cc: 'CC', Bcc: 'BCC', Subject: 'SUBJECT' };

const { key: searchKeyArb } = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<SearchKey>({ type: 'all' }),
    fc.record({ flag: fc.oneof(fc.constantFrom(...Object.keys(FLAG_WORDS)), atomArb), set: fc.boolean() }).map((r): SearchKey => ({ type: 'flag', ...r })),
    fc.record({ field: fc.oneof(fc.constantFrom(...Object.keys(HEADER_WORDS)), atomArb), value: textArb }).map((r): SearchKey => ({ type: 'header', ...r })),
    fc.record({ type: fc.constantFrom<'body' | 'text'>('body', 'text'), value: textArb }).map((r): SearchKey => r),
    fc.record({ field: fc.constantFrom<'internal' | 'sent'>('internal', 'sent'), cmp: fc.constantFrom<'before' | 'on' | 'since'>('before', 'on', 'since'), date: dateArb }).map((r): SearchKey => ({ type: 'date', ...r })),
    fc.record({ cmp: fc.constantFrom<'larger' | 'smaller'>('larger', 'smaller'), size: fc.nat() }).map((r): SearchKey => ({ type: 'size', ...r })),
    seqSetArb.map((s): SearchKey => ({ type: 'seq', set: s })),
    seqSetArb.map((s): SearchKey => ({ type: 'uid', set: s })),
    fc.nat().map((modseq): SearchKey => ({ type: 'modseq', modseq })),
    tie('key').map((key): SearchKey => ({ type: 'not', key })),
    fc.record({ left: tie('key'), right: tie('key') }).map((r): SearchKey => ({ type: 'or', ...r })),
    fc.array(tie('key'), { minLength: 2, maxLength: 3 }).map((keys): SearchKey => ({ type: 'and', keys })),
  ),
}));

function writeKey(w: Wire, k: SearchKey, mode: 'quoted' | 'literal' | 'auto'): void {
  switch (k.type) {
    case 'all':
      w.text('ALL');
      return;
    case 'flag': {
      const words = FLAG_WORDS[k.flag];
      w.text(words ? words[k.set ? 0 : 1] : `${k.set ? 'KEYWORD' : 'UNKEYWORD'} ${k.flag}`);
      return;
    }
    case 'header': {
      const word = HEADER_WORDS[k.field];
      w.text(word ? `${word} ` : `HEADER ${k.field} `).string(k.value, mode);
      return;
    }
    case 'body':
    case 'text':
      w.text(`${k.type.toUpperCase()} `).string(k.value, mode);
      return;
    case 'date':
      w.text(`${k.field === 'sent' ? 'SENT' : ''}${k.cmp.toUpperCase()} ${dateText(k.date)}`);
      return;
    case 'size':
      w.text(`${k.cmp.toUpperCase()} ${k.size}`);
      return;
    case 'seq':
      w.text(seqText(k.set));
      return;
    case 'uid':
      w.text(`UID ${seqText(k.set)}`);
      return;
    case 'modseq':
      w.text(`MODSEQ ${k.modseq}`);
      return;
    case 'not':
      w.text('NOT ');
      writeKey(w, k.key, mode);
      return;
    case 'or':
      w.text('OR ');
      writeKey(w, k.left, mode);
      w.text(' ');
      writeKey(w, k.right, mode);
      return;
    case 'and':
      w.text('(');
      k.keys.forEach((x, i) => {
        if (i) w.text(' ');
        writeKey(w, x, mode);
      });
      w.text(')');
  }
}

const sectionArb = fc.oneof(
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }) }),
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }), text: fc.constantFrom<'HEADER' | 'TEXT'>('HEADER', 'TEXT') }),
  fc.record({ part: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 3 }), text: fc.constant<'MIME'>('MIME') }),
  fc.record({
    part: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }),
    text: fc.constantFrom<'HEADER.FIELDS' | 'HEADER.FIELDS.NOT'>('HEADER.FIELDS', 'HEADER.FIELDS.NOT'),
    fields: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/), { minLength: 1, maxLength: 3 }),
  }),
);
const partialArb = fc.option(fc.record({ offset: fc.nat(), length: fc.integer({ min: 1, max: 1 << 30 }) }), { nil: undefined });
const fetchAttArb: fc.Arbitrary<FetchAtt> = fc.oneof(
  fc.constantFrom<FetchAtt>(...(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT'] as const).map((kind) => ({ kind }))),
  fc.record({ peek: fc.boolean(), section: sectionArb, partial: partialArb }).map(({ peek, section, partial }): FetchAtt => ({ kind: 'BODY[]', peek, section, ...(partial ? { partial } : {}) })),
  fc.record({ peek: fc.boolean(), part: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }), partial: partialArb }).map(({ peek, part, partial }): FetchAtt => ({ kind: 'BINARY', peek, part, ...(partial ? { partial } : {}) })),
  fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 3 }).map((part): FetchAtt => ({ kind: 'BINARY.SIZE', part })),
);

function fetchAttText(a: FetchAtt): string {
  const partial = (p?: { offset: number; length: number }) => (p ? `<${p.offset}.${p.length}>` : '');
  switch (a.kind) {
    case 'BODY[]': {
      let spec = a.section.part.join('.');
      if (a.section.text) spec += (spec ? '.' : '') + a.section.text + (a.section.fields ? ` (${a.section.fields.join(' ')})` : '');
      return `${a.peek ? 'BODY.PEEK' : 'BODY'}[${spec}]${partial(a.partial)}`;
    }
    case 'BINARY':
      return `${a.peek ? 'BINARY.PEEK' : 'BINARY'}[${a.part.join('.')}]${partial(a.partial)}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${a.part.join('.')}]`;
    default:
      return a.kind;
  }
}

describe('IMAP parser: properties', () => {
  test('SEARCH keys round-trip (quoted, literal or mixed strings; any nesting)', () => {
    fc.assert(
      fc.property(searchKeyArb, fc.constantFrom<'quoted' | 'literal' | 'auto'>('quoted', 'literal', 'auto'), fc.boolean(), (key, mode, uid) => {
        // A quoted string cannot carry CR/LF/NUL: those keys go as literals.
        const w = new Wire().text(`s1 ${uid ? 'UID ' : ''}SEARCH CHARSET UTF-8 `);
        writeKey(w, key, mode === 'quoted' ? 'auto' : mode);
        const c = parseCommand(w.raw('s1'));
        assert.deepEqual(plain(c), plain({ tag: 's1', name: 'SEARCH', uid, charset: 'UTF-8', key }));
      }),
      { numRuns: 400 },
    );
  });

  test('FETCH items and STORE round-trip', () => {
    fc.assert(
      fc.property(seqSetArb, fc.array(fetchAttArb, { minLength: 1, maxLength: 5 }), fc.option(fc.nat(), { nil: undefined }), (s, items, changedSince) => {
        const mods = changedSince !== undefined ? ` (CHANGEDSINCE ${changedSince})` : '';
        const c = parseCommand(new Wire().text(`f UID FETCH ${seqText(s)} (${items.map(fetchAttText).join(' ')})${mods}`).raw('f'));
        assert.deepEqual(plain(c), plain({ tag: 'f', name: 'FETCH', uid: true, set: s, items, vanished: false, ...(changedSince !== undefined ? { changedSince } : {}) }));
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(seqSetArb, fc.constantFrom<'set' | 'add' | 'remove'>('set', 'add', 'remove'), fc.boolean(), fc.array(fc.oneof(atomArb, atomArb.map((a) => '\\' + a)), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }), (s, op, silent, flags, unchangedSince) => {
        const sign = op === 'add' ? '+' : op === 'remove' ? '-' : '';
        const mods = unchangedSince !== undefined ? `(UNCHANGEDSINCE ${unchangedSince}) ` : '';
        const c = parseCommand(new Wire().text(`t STORE ${seqText(s)} ${mods}${sign}FLAGS${silent ? '.SILENT' : ''} (${flags.join(' ')})`).raw('t'));
        assert.deepEqual(plain(c), plain({ tag: 't', name: 'STORE', uid: false, set: s, op, silent, flags, ...(unchangedSince !== undefined ? { unchangedSince } : {}) }));
      }),
      { numRuns: 300 },
    );
  });

  test('mailbox names round-trip through quoted strings and literals, in both codecs', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }), fc.boolean(), (name, utf8) => {
        fc.pre(name.toUpperCase() !== 'INBOX');
        const wire = utf8 ? name : encodeModifiedUtf7(name);
        const c = parseCommand(new Wire().text('m CREATE ').string(wire, 'auto').raw('m'), { utf8 });
        assert.deepEqual(c, { tag: 'm', name: 'CREATE', mailbox: name });
      }),
      { numRuns: 300 },
    );
  });

  /** parseCommand on reader output: a Command or a ParseError, never anything else. */
  function outcome(raw: RawCommand): string {
    try {
      return parseCommand(raw).name;
    } catch (err) {
      if (err instanceof ParseError) return 'ParseError';
      throw err;
    }
  }

  test('arbitrary bytes only ever raise ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = new ImapReader({ maxLineBytes: 1000, maxLiteralBytes: 1000 });
        r.push(Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n')]));
        let e: ReturnType<ImapReader['next']>;
        while ((e = r.next())) if (e.kind === 'command') outcome(e.command);
      }),
      { numRuns: 2000 },
    );
  });

  const SEEDS = [
    'a1 UID FETCH 1:*,5 (FLAGS BODY.PEEK[1.HEADER.FIELDS (Subject "X-Y")]<0.100> BINARY[2]) (CHANGEDSINCE 5 VANISHED)',
    'a2 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR FROM x (SINCE 1-Feb-2020 NOT SEEN) UID 1:4 MODSEQ "/flags/\\\\Seen" all 5',
    'a3 LIST (SPECIAL-USE) "" ("INBOX" "&ZeVnLIqe-/%") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))',
    'a4 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211 (1:3 5:7)) CONDSTORE)',
    'a5 UID STORE 1:* (UNCHANGEDSINCE 7) +FLAGS.SILENT (\\Seen $Forwarded)',
    'a6 APPEND INBOX (\\Seen) " 5-Jan-2020 10:00:00 +0100" {3+}\r\nabc',
    'a7 ID ("name" "x" "version" NIL)',
    'a8 LOGIN {3+}\r\nbob "pw"',
  ];

  test('mutated real commands only ever raise ParseError', () => {
    const seeds = SEEDS.map((s) => Buffer.from(s + '\r\n', 'latin1'));
    const mutation = fc.record({
      seed: fc.nat({ max: seeds.length - 1 }),
      edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'insert', 'replace', 'truncate'), byte: fc.constantFrom(0x20, 0x28, 0x29, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x3c, 0x3e, 0x2a, 0x24, 0x30, 0x39, 0x2b, 0x2e, 0x3a, 0x2c, 0x41, 0x00, 0xff, 0x0d, 0x0a) }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let b = Buffer.from(seeds[seed]!);
        for (const { at, op, byte } of edits) {
          const i = at % (b.length + 1);
          if (op === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
          else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
          else if (op === 'replace' && i < b.length) b[i] = byte;
          else if (op === 'truncate') b = b.subarray(0, i);
        }
        const r = new ImapReader({ maxLineBytes: 1000, maxLiteralBytes: 1000 });
        r.push(Buffer.concat([b, Buffer.from('\r\n')]));
        let e: ReturnType<ImapReader['next']>;
        while ((e = r.next())) if (e.kind === 'command') outcome(e.command);
      }),
      { numRuns: 3000 },
    );
    // The seeds themselves parse.
    for (const s of seeds) {
      const r = new ImapReader({ maxLineBytes: 1000, maxLiteralBytes: 1000 });
      r.push(s);
      let e: ReturnType<ImapReader['next']>;
      let parsed = 0;
      while ((e = r.next())) {
        if (e.kind !== 'command') continue;
        assert.notEqual(outcome(e.command), 'ParseError', s.toString());
        parsed++;
      }
      assert.equal(parsed, 1);
    }
  });
});
