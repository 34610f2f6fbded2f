// A stored message as POP3 sends it (RFC 1939 section 3): CRLF line ends (the store keeps the bytes
// as received, and an import may have bare LFs), a leading "." doubled (byte-stuffing), the whole ended
// by ".\r\n" which the caller writes. TOP (section 7) sends the header, the blank line, and the first
// `bodyLines` lines of the body. Output comes in chunks of about CHUNK bytes so a 50 MB message is written
// with back-pressure and never copied whole.
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CHUNK = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const DOT1 = Buffer.from('.');

/**
 * The message's lines, CRLF-ended and dot-stuffed, in chunks. `bodyLines`: TOP's line count of the body
 * (the header is always sent whole); undefined: everything (RETR). The last line gets a CRLF even when the
 * stored message lacks one, so the terminating "." is on a line of its own.
 */
export function* pop3Lines(raw: Uint8Array, bodyLines?: number): Generator<Buffer> {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let parts: Buffer[] = [];
  let size = 0;
  let inBody = false;
  let bodyLeft = bodyLines ?? Infinity;
  let pos = 0;
  while (pos < buf.length) {
    if (inBody && bodyLeft <= 0) break;
    const lf = buf.indexOf(LF, pos);
    const end = lf < 0 ? buf.length : lf;
    const lineEnd = end > pos && buf[end - 1] === CR ? end - 1 : end;
    const line = buf.subarray(pos, lineEnd);
    if (line.length > 0 && line[0] === DOT) {
      parts.push(DOT1);
      size += 1;
    }
    parts.push(line, CRLF);
    size += line.length + 2;
    if (inBody) bodyLeft--;
    else if (line.length === 0) inBody = true;
    pos = lf < 0 ? buf.length : lf + 1;
    if (size >= CHUNK) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}
