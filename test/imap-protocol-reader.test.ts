// IMAP framing (src/imap/protocol/reader.ts): lines, the three literal forms, limits that name the tag,
// IDLE and AUTHENTICATE modes, and the property that how the bytes are split into packets never changes
// the events.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { ImapReader, literalMarker } from '../src/imap/protocol/reader.js';
import type { ReaderEvent, ReaderLimits } from '../src/imap/protocol/reader.js';

const LIMITS: ReaderLimits = { maxLineBytes: 200, maxLiteralBytes: 1000 };

/** Pushes the chunks, pulling after each; events with commands flattened to strings for comparison. */
function run(chunks: Buffer[], limits = LIMITS): unknown[] {
  const r = new ImapReader(limits);
  const out: unknown[] = [];
  const pull = () => {
    let e: ReaderEvent | null;
    while ((e = r.next())) {
      if (e.kind === 'command') {
        out.push({ command: e.command.lines.map((l) => l.toString('latin1')), literals: e.command.literals.map((l) => l.toString('latin1')), tag: e.command.tag });
      } else if (e.kind === 'line') out.push({ line: e.line.toString('latin1') });
      else out.push(e);
    }
  };
  for (const c of chunks) {
    r.push(c);
    pull();
  }
  return out;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('IMAP reader', () => {
  test('lines and pipelined commands; CRLF or bare LF', () => {
    assert.deepEqual(run([bytes('a1 NOOP\r\na2 CAPABILITY\nA3 LOGOUT\r\n')]), [
      { command: ['a1 NOOP'], literals: [], tag: 'a1' },
      { command: ['a2 CAPABILITY'], literals: [], tag: 'a2' },
      { command: ['A3 LOGOUT'], literals: [], tag: 'A3' },
    ]);
  });

  test('a synchronizing literal asks for a continuation, LITERAL+ and literal8 do not block', () => {
    assert.deepEqual(run([bytes('a LOGIN {3}\r\n'), bytes('bob {4+}\r\npa\r\n "x"\r\n')]), [
      { kind: 'continue', tag: 'a', size: 3 },
      { command: ['a LOGIN {3}', ' {4+}', ' "x"'], literals: ['bob', 'pa\r\n'], tag: 'a' },
    ]);
    assert.deepEqual(run([bytes('b APPEND INBOX ~{3+}\r\na\0b\r\n')]), [{ command: ['b APPEND INBOX ~{3+}', ''], literals: ['a\0b'], tag: 'b' }]);
    assert.deepEqual(run([bytes('c LOGIN {0}\r\n {0+}\r\n\r\n')]), [
      { kind: 'continue', tag: 'c', size: 0 },
      { command: ['c LOGIN {0}', ' {0+}', ''], literals: ['', ''], tag: 'c' },
    ]);
  });

  test('a too-big synchronizing literal is refused at once, naming the tag, and nothing is read for it', () => {
    assert.deepEqual(run([bytes('t1 APPEND INBOX {104857600}\r\nt2 NOOP\r\n')]), [
      { kind: 'error', error: { code: 'literal-too-big', tag: 't1', command: 'APPEND', size: 104857600, synchronizing: true } },
      { command: ['t2 NOOP'], literals: [], tag: 't2' },
    ]);
  });

  test('a too-big non-synchronizing literal is reported and its bytes and the rest of the command skipped', () => {
    const big = 'x'.repeat(1500);
    const events = run([bytes(`t1 APPEND INBOX {1500+}\r\n${big.slice(0, 700)}`), bytes(`${big.slice(700)} {3+}\r\nabc\r\nt2 NOOP\r\n`)]);
    assert.deepEqual(events, [
      { kind: 'error', error: { code: 'literal-too-big', tag: 't1', command: 'APPEND', size: 1500, synchronizing: false } },
      { command: ['t2 NOOP'], literals: [], tag: 't2' },
    ]);
  });

  test('literals of commands other than APPEND are held to the small limit', () => {
    assert.deepEqual(run([bytes('a LOGIN {201}\r\nb UID APPEND x {201}\r\n')]), [
      { kind: 'error', error: { code: 'literal-too-big', tag: 'a', command: 'LOGIN', size: 201, synchronizing: true } },
      { kind: 'continue', tag: 'b', size: 201 },
    ]);
    assert.deepEqual(run([bytes('a LOGIN {300}\r\n')], { ...LIMITS, maxOtherLiteralBytes: 300 }), [{ kind: 'continue', tag: 'a', size: 300 }]);
  });

  test('maxCommandBytes bounds the sum of the literals', () => {
    const events = run([bytes('a APPEND X {600+}\r\n' + 'u'.repeat(600) + ' {600+}\r\n' + 'p'.repeat(600) + '\r\nb NOOP\r\n')], { ...LIMITS, maxCommandBytes: 1000 });
    assert.deepEqual(events, [
      { kind: 'error', error: { code: 'literal-too-big', tag: 'a', command: 'APPEND', size: 600, synchronizing: false } },
      { command: ['b NOOP'], literals: [], tag: 'b' },
    ]);
  });

  test('a line over the limit is reported once with its tag and the reader resynchronizes at its end', () => {
    const long = 'a5 SEARCH ' + 'X'.repeat(5000);
    const chunks = [bytes(long.slice(0, 100)), bytes(long.slice(100, 3000)), bytes(long.slice(3000) + '\r\na6 NOOP\r\n')];
    assert.deepEqual(run(chunks), [
      { kind: 'error', error: { code: 'line-too-long', tag: 'a5', command: 'SEARCH' } },
      { command: ['a6 NOOP'], literals: [], tag: 'a6' },
    ]);
    // Found complete in one packet: the same answer.
    assert.deepEqual(run([bytes(long + '\r\na6 NOOP\r\n')]), [
      { kind: 'error', error: { code: 'line-too-long', tag: 'a5', command: 'SEARCH' } },
      { command: ['a6 NOOP'], literals: [], tag: 'a6' },
    ]);
  });

  test('an unreadable tag is reported as *', () => {
    assert.deepEqual(run([bytes('{5}\r\n')]), [{ kind: 'continue', tag: '*', size: 5 }]);
    assert.deepEqual(run([bytes('(( NOOP\r\n')]), [{ command: ['(( NOOP'], literals: [], tag: '*' }]);
  });

  test('IDLE mode: DONE (any case), other lines reported; modes switch between pipelined commands', () => {
    const r = new ImapReader(LIMITS);
    r.push(bytes('a IDLE\r\ndone\r\nb NOOP\r\n'));
    const first = r.next();
    assert.equal(first?.kind, 'command');
    r.setMode('idle');
    assert.deepEqual(r.next(), { kind: 'done' });
    r.setMode('command');
    const third = r.next();
    assert.ok(third?.kind === 'command' && third.command.tag === 'b');
    assert.equal(r.next(), null);
    r.setMode('idle');
    r.push(bytes('c NOOP\r\n'));
    assert.deepEqual(r.next(), { kind: 'line', line: bytes('c NOOP') });
  });

  test('AUTHENTICATE mode: each line as is', () => {
    const r = new ImapReader(LIMITS);
    r.setMode('authenticate');
    r.push(bytes('AGJvYgBwdw==\r\n*\r\n'));
    assert.deepEqual(r.next(), { kind: 'line', line: bytes('AGJvYgBwdw==') });
    assert.deepEqual(r.next(), { kind: 'line', line: bytes('*') });
  });

  test('reset() drops plaintext sent behind STARTTLS', () => {
    const r = new ImapReader(LIMITS);
    r.push(bytes('a STARTTLS\r\nb LOGIN bob pw\r\nc {5}\r\n'));
    const first = r.next();
    assert.ok(first?.kind === 'command' && first.command.tag === 'a');
    assert.equal(r.reset(), bytes('b LOGIN bob pw\r\nc {5}\r\n').length);
    assert.equal(r.next(), null);
    r.push(bytes('d NOOP\r\n'));
    const next = r.next();
    assert.ok(next?.kind === 'command' && next.command.tag === 'd');
  });

  test('literalMarker', () => {
    assert.deepEqual(literalMarker(bytes('a {12}')), { size: 12, synchronizing: true, binary: false, start: 2 });
    assert.deepEqual(literalMarker(bytes('a ~{12+}')), { size: 12, synchronizing: false, binary: true, start: 2 });
    assert.equal(literalMarker(bytes('a {}')), null);
    assert.equal(literalMarker(bytes('a {1a}')), null);
    assert.equal(literalMarker(bytes('a "{1}"')), null);
  });

  test('property: the packet boundaries never change the events', () => {
    const cmd = fc.constantFrom(
      'a1 NOOP\r\n',
      'a2 LOGIN {3}\r\nbob {2+}\r\npw\r\n',
      'a3 APPEND INBOX ~{4+}\r\na\0\r\n\r\n',
      `a4 SEARCH ${'Y'.repeat(300)}\r\n`,
      'a5 APPEND INBOX {2000}\r\n',
      `a6 APPEND INBOX {1200+}\r\n${'z'.repeat(1200)}\r\n`,
      'a7 FETCH 1 BODY[]\n',
    );
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (cmds, cuts) => {
        const all = bytes(cmds.join(''));
        const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, all.length]) {
          chunks.push(all.subarray(prev, p));
          prev = p;
        }
        assert.deepEqual(run(chunks), run([all]));
      }),
      { numRuns: 300 },
    );
  });

  test('property: arbitrary bytes never throw and the buffer never holds more than a line past the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 10 }), (packets) => {
        const r = new ImapReader({ maxLineBytes: 100, maxLiteralBytes: 500 });
        for (const p of packets) {
          r.push(Buffer.from(p));
          while (r.next());
          assert.ok(r.bufferedBytes <= 100 + 1 + 400 || r.inCommand, `buffered ${r.bufferedBytes}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
