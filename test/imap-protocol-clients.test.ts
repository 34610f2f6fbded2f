// Real clients' bytes through the reader and parser: Python's imaplib (the issue's second test client)
// talks to a minimal socket server built only from src/imap/protocol (every command answered OK), so
// its synchronizing literals (APPEND, a LOGIN password with specials), quoting and command forms are the
// ones a real client sends. The server records what parseCommand made of each command.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { ImapReader } from '../src/imap/protocol/reader.js';
import { ParseError, parseCommand } from '../src/imap/protocol/parser.js';
import type { Command } from '../src/imap/protocol/types.js';
import { continuation, tagged, untaggedStatus } from '../src/imap/protocol/writer.js';

/** A server that answers every command OK (IDLE: "+ idling" until DONE) and records the parsed commands. */
async function recordingServer(): Promise<{ port: number; commands: Array<Command | string>; close: () => Promise<void> }> {
  const commands: Array<Command | string> = [];
  const server = net.createServer((socket) => {
    const reader = new ImapReader({ maxLineBytes: 8192, maxLiteralBytes: 1 << 20 });
    let idleTag: string | null = null;
    let authTag: string | null = null;
    socket.write(untaggedStatus('OK', 'ready', { name: 'CAPABILITY', args: 'IMAP4rev1 AUTH=PLAIN IDLE' }));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let ev = reader.next(); ev; ev = reader.next()) {
        if (ev.kind === 'continue') socket.write(continuation());
        else if (ev.kind === 'line' && authTag) {
          commands.push(`AUTH-LINE ${ev.line.toString()}`);
          reader.setMode('command');
          socket.write(tagged(authTag, 'OK', 'authenticated'));
          authTag = null;
        } else if (ev.kind === 'done' && idleTag) {
          reader.setMode('command');
          socket.write(tagged(idleTag, 'OK', 'IDLE done'));
          idleTag = null;
        } else if (ev.kind === 'command') {
          try {
            const c = parseCommand(ev.command);
            commands.push(c);
            if (c.name === 'IDLE') {
              idleTag = c.tag;
              reader.setMode('idle');
              socket.write(continuation('idling'));
            } else if (c.name === 'AUTHENTICATE' && c.initialResponse === undefined) {
              authTag = c.tag;
              reader.setMode('authenticate');
              socket.write(continuation(''));
            } else {
              if (c.name === 'LOGOUT') socket.write(untaggedStatus('BYE', 'bye'));
              socket.write(tagged(c.tag, 'OK', 'done'));
              if (c.name === 'LOGOUT') socket.end();
            }
          } catch (err) {
            if (!(err instanceof ParseError)) throw err;
            commands.push(`BAD ${err.message}`);
            socket.write(tagged(err.tag, 'BAD', err.message));
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function python(script: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python3 exited ${code}: ${err}`))));
  });
}

const SCRIPT = String.raw`
import imaplib, sys, time
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('bob@example.com', 'p"a\\ss w0rd')
m.select('INBOX')
m.select('"Entw&APw-rfe"', readonly=True)
m.list()
m.status('INBOX', '(MESSAGES UIDNEXT UNSEEN)')
m.append('Sent', r'(\Seen)', imaplib.Time2Internaldate(time.mktime((2024, 3, 5, 10, 0, 0, 0, 0, -1))), b'Subject: hi\r\n\r\nhello\r\n')
m.uid('FETCH', '1:*', '(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])')
m.fetch('1', '(RFC822)')
m.store('1:3', '+FLAGS.SILENT', r'(\Deleted)')
m.uid('SEARCH', 'CHARSET', 'UTF-8', 'UNSEEN', 'SUBJECT', '"a b"', 'SINCE', '1-Feb-2024')
m.copy('2,4:5', 'Trash')
m.expunge()
m.create('Archive/2024')
m.rename('Archive/2024', 'Old')
m.subscribe('Old')
m.delete('Old')
m.noop()
m.close()
m.logout()
print('ok')
`;

describe('real clients through the reader and parser', () => {
  test('Python imaplib: every command parses to what was meant, literals included', async () => {
    const srv = await recordingServer();
    try {
      assert.equal((await python(SCRIPT, srv.port)).trim(), 'ok');
    } finally {
      await srv.close();
    }
    const got = srv.commands.map((c) => (typeof c === 'string' ? c : { ...c, tag: '' }));
    const set = (...ranges: Array<[number | '*', number | '*']>) => ({ saved: false, ranges: ranges.map(([from, to]) => ({ from, to })) });
    const plainList = { subscribed: false, children: false, specialUse: false };
    const expected: unknown[] = [
      { tag: '', name: 'CAPABILITY' },
      { tag: '', name: 'LOGIN', user: 'bob@example.com', password: 'p"a\\ss w0rd' },
      { tag: '', name: 'SELECT', mailbox: 'INBOX', condstore: false },
      { tag: '', name: 'EXAMINE', mailbox: 'Entwürfe', condstore: false },
      { tag: '', name: 'LIST', reference: '', patterns: ['*'], selection: [], extended: false, return: plainList },
      { tag: '', name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'UIDNEXT', 'UNSEEN'] },
      { tag: '', name: 'APPEND', mailbox: 'Sent', messages: [{ flags: ['\\Seen'], date: new Date(2024, 2, 5, 10, 0, 0), message: Buffer.from('Subject: hi\r\n\r\nhello\r\n'), binary: false }] },
      {
        tag: '', name: 'FETCH', uid: true, set: set([1, '*']), vanished: false,
        items: [{ kind: 'UID' }, { kind: 'FLAGS' }, { kind: 'BODY[]', peek: true, section: { part: [], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'FROM'] } }],
      },
      { tag: '', name: 'FETCH', uid: false, set: set([1, 1]), vanished: false, items: [{ kind: 'RFC822' }] },
      { tag: '', name: 'STORE', uid: false, set: set([1, 3]), op: 'add', silent: true, flags: ['\\Deleted'] },
      {
        tag: '', name: 'SEARCH', uid: true, charset: 'UTF-8',
        key: { type: 'and', keys: [{ type: 'flag', flag: '\\Seen', set: false }, { type: 'header', field: 'Subject', value: 'a b' }, { type: 'date', field: 'internal', cmp: 'since', date: '2024-02-01' }] },
      },
      { tag: '', name: 'COPY', uid: false, set: set([2, 2], [4, 5]), mailbox: 'Trash' },
      { tag: '', name: 'EXPUNGE', uid: false },
      { tag: '', name: 'CREATE', mailbox: 'Archive/2024' },
      { tag: '', name: 'RENAME', from: 'Archive/2024', to: 'Old' },
      { tag: '', name: 'SUBSCRIBE', mailbox: 'Old' },
      { tag: '', name: 'DELETE', mailbox: 'Old' },
      { tag: '', name: 'NOOP' },
      { tag: '', name: 'CLOSE' },
      { tag: '', name: 'LOGOUT' },
    ];
    assert.deepEqual(got, expected);
  });

  test('Python imaplib: AUTHENTICATE PLAIN continuation and IDLE', async () => {
    const srv = await recordingServer();
    const script = String.raw`
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.authenticate('PLAIN', lambda _: b'\0bob\0pw')
tag = m._new_tag().decode()
m.send(('%s IDLE\r\n' % tag).encode())
assert m.readline().startswith(b'+')
m.send(b'DONE\r\n')
assert m.readline().startswith(tag.encode() + b' OK')
m.logout()
print('ok')
`;
    try {
      assert.equal((await python(script, srv.port)).trim(), 'ok');
    } finally {
      await srv.close();
    }
    const got = srv.commands.map((c) => (typeof c === 'string' ? c : { ...c, tag: '' }));
    assert.deepEqual(got, [
      { tag: '', name: 'CAPABILITY' },
      { tag: '', name: 'AUTHENTICATE', mechanism: 'PLAIN' },
      `AUTH-LINE ${Buffer.from('\0bob\0pw').toString('base64')}`,
      { tag: '', name: 'IDLE' },
      { tag: '', name: 'LOGOUT' },
    ]);
  });
});
