// POP3 message output (src/pop3/message-output.ts) from the store's parts: whatever the split (a line
// across parts, a CR ending one part and its LF starting the next, a "." at the start of a part), the
// bytes on the wire are those of the whole message encoded at once, and those are what the first
// implementation (one buffer, line by line: `reference` below) sent. TOP stops reading parts early.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wireSize } from '../src/pop3/maildrop.js';
import { pop3Lines, pop3Stream } from '../src/pop3/message-output.js';

/** The encoder as first written for a whole message in one buffer (RFC 1939 sections 3 and 7). */
function reference(buf: Buffer, bodyLines?: number): Buffer {
  const out: Buffer[] = [];
  let inBody = false;
  let bodyLeft = bodyLines ?? Infinity;
  let pos = 0;
  while (pos < buf.length) {
    if (inBody && bodyLeft <= 0) break;
    const lf = buf.indexOf(0x0a, pos);
    const end = lf < 0 ? buf.length : lf;
    const lineEnd = end > pos && buf[end - 1] === 0x0d ? end - 1 : end;
    const line = buf.subarray(pos, lineEnd);
    if (line.length > 0 && line[0] === 0x2e) out.push(Buffer.from('.'));
    out.push(line, Buffer.from('\r\n'));
    if (inBody) bodyLeft--;
    else if (line.length === 0) inBody = true;
    pos = lf < 0 ? buf.length : lf + 1;
  }
  return Buffer.concat(out);
}

/** A deterministic pseudo-random source, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A message made of the troublesome bytes: CR, LF, CRLF, dots at line starts, blank lines, long lines. */
function message(r: () => number, size: number): Buffer {
  const alphabet = ['\r\n', '\n', '\r', '.', '..', 'a', 'bc', ' ', '\r\n\r\n', 'x'.repeat(70)];
  let s = 'Subject: t\r\n';
  while (s.length < size) s += alphabet[Math.floor(r() * alphabet.length)];
  return Buffer.from(s, 'latin1');
}

function split(r: () => number, buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < buf.length;) {
    const n = Math.min(buf.length - at, 1 + Math.floor(r() * 40));
    parts.push(buf.subarray(at, at + n));
    at += n;
  }
  return parts;
}

async function* each(parts: readonly Buffer[], read?: { count: number }): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    if (read) read.count++;
    await Promise.resolve();
    yield p;
  }
}

async function streamed(parts: readonly Buffer[], bodyLines?: number, read?: { count: number }): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of pop3Stream(each(parts, read), bodyLines)) out.push(c);
  return Buffer.concat(out);
}

test('pop3Stream: any split of the parts gives the bytes of the whole message, as the first encoder sent them', async () => {
  const r = rng(18);
  for (let round = 0; round < 300; round++) {
    const whole = message(r, 1 + Math.floor(r() * 400));
    const parts = split(r, whole);
    for (const bodyLines of [undefined, 0, 1, 3, 1000]) {
      const want = reference(whole, bodyLines);
      assert.deepEqual(Buffer.concat([...pop3Lines(whole, bodyLines)]), want, `round ${round} top ${bodyLines} (one buffer)`);
      assert.deepEqual(await streamed(parts, bodyLines), want, `round ${round} top ${bodyLines} (${parts.length} parts)`);
    }
  }
});

test('pop3Stream: the edges: a CR/LF pair across parts, a CR at the very end, a dot opening a part, no parts', async () => {
  const cases: [string[], string][] = [
    [['a\r', '\nb'], 'a\r\nb\r\n'],
    [['a\r', 'b\n'], 'a\rb\r\n'],
    [['a\r'], 'a\r\n'],
    [['a\n', '.b\n'], 'a\r\n..b\r\n'],
    [['a', '.b\n'], 'a.b\r\n'],
    [['\r', '\n.'], '\r\n..\r\n'],
    [['', 'x', ''], 'x\r\n'],
    [[], ''],
  ];
  for (const [parts, want] of cases) {
    assert.equal((await streamed(parts.map((p) => Buffer.from(p, 'latin1')))).toString('latin1'), want, JSON.stringify(parts));
  }
});

test('pop3Stream: TOP stops reading parts once it has its lines; RETR output comes in chunks of about 64 KiB', async () => {
  const head = Buffer.from('Subject: big\r\n\r\nline 1\r\nline 2\r\n');
  const body = Buffer.from(`${'y'.repeat(78)}\r\n`.repeat(4000));
  const parts = [head, ...split(rng(7), body).slice(0, 50), body];
  const read = { count: 0 };
  assert.equal((await streamed(parts, 2, read)).toString(), 'Subject: big\r\n\r\nline 1\r\nline 2\r\n');
  assert.ok(read.count <= 2, `read ${read.count} parts`);
  const chunks: Buffer[] = [];
  for await (const c of pop3Stream(each([body]))) chunks.push(c);
  assert.ok(chunks.length > 1 && chunks.slice(0, -1).every((c) => c.length >= 64 * 1024 && c.length < 64 * 1024 + 100), 'chunked');
});

/** The wire bytes without the dot-stuffing: what RFC 1939 section 11 counts as the message's size. */
const unstuffed = (wire: Buffer): number => wire.length - wire.toString('latin1').split('\r\n').filter((l) => l.startsWith('.')).length;

test('wireSize (LIST n): the octets RETR sends without the dot-stuffing, for any split of the parts (fetchmail compares them)', async () => {
  const r = rng(1939);
  for (let round = 0; round < 300; round++) {
    const whole = message(r, 1 + Math.floor(r() * 400));
    const parts = split(r, whole);
    assert.equal(await wireSize(each(parts)), unstuffed(reference(whole)), `round ${round} (${parts.length} parts)`);
  }
  for (const [parts, want] of [[['a\r', '\nb'], 6], [['a\r'], 3], [['a\n', 'b'], 6], [[], 0], [['\r\n'], 2]] as const) {
    assert.equal(await wireSize(each(parts.map((p) => Buffer.from(p, 'latin1')))), want, JSON.stringify(parts));
  }
});
