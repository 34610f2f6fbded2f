// Incremental framing of an IMAP client's bytes into commands (RFC 9051 section 2.2.1 and 4.3):
// CRLF-terminated lines, synchronizing literals `{n}` (the server must answer `+` before the client
// sends the bytes), non-synchronizing literals `{n+}` (LITERAL+, RFC 7888) and literal8 `~{n}` (BINARY,
// RFC 3516, used by APPEND). Pure: no sockets. The caller pushes bytes and pulls events one at a time with
// next(), so it can switch mode (IDLE, AUTHENTICATE) between two commands even when the client pipelined
// both in one packet, and can stop pulling to apply back-pressure.
//
// Limits: a line (the text between two literals, or a whole command without literals) longer than
// maxLineBytes is discarded up to its CRLF and reported once; a literal announced larger than
// maxLiteralBytes is reported at once (naming the tag, so the server answers a tagged NO [TOOBIG] / BAD);
// a synchronizing one is never read (the client waits for `+`, which never comes, and the command ends
// with the tagged answer), a non-synchronizing one is skipped byte by byte (RFC 7888 section 4: the client
// sends it anyway) together with the rest of its command.
import { Buffer } from 'node:buffer';

export interface ReaderLimits {
  /** Longest line (without its CRLF), in bytes. RFC 9051 section 4 suggests accepting at least 8192. */
  maxLineBytes: number;
  /** Largest literal of an APPEND (the message), in bytes. */
  maxLiteralBytes: number;
  /**
   * Largest literal of any other command (a LOGIN password, a SEARCH string, a mailbox name), in bytes;
   * defaults to maxLineBytes, so only APPEND can make the server hold a large literal.
   */
  maxOtherLiteralBytes?: number;
  /** Largest whole command (lines + literals), in bytes; defaults to maxLiteralBytes + 64 KiB. */
  maxCommandBytes?: number;
}

/** A complete command's bytes: lines[i] (no CRLF) is followed by literals[i]; lines.length = literals.length + 1. */
export interface RawCommand {
  /** The text segments; each but the last ends with its literal's marker (`{5}`, `{5+}`, `~{5}`). */
  lines: Buffer[];
  literals: Buffer[];
  /** The command's tag as read from the first line (best effort, '*' when unreadable). */
  tag: string;
}

export type ReaderErrorCode =
  /** A line grew past maxLineBytes without its CRLF: it was discarded. */
  | 'line-too-long'
  /** A literal announced past maxLiteralBytes (or past maxCommandBytes): the command is discarded. */
  | 'literal-too-big';

export interface ReaderError {
  code: ReaderErrorCode;
  /** The command's tag, when it could be read ('*' otherwise): the tagged BAD/NO names it. */
  tag: string;
  /** The command's name upper-cased (after UID), when it could be read: APPEND answers NO [TOOBIG], others BAD. */
  command?: string;
  /** The announced literal size, for literal-too-big. */
  size?: number;
  /**
   * For literal-too-big: true when the literal was synchronizing (the client sends nothing more for this
   * command: answer `tag NO [TOOBIG]` and go on), false when the reader is skipping its bytes.
   */
  synchronizing?: boolean;
}

export type ReaderEvent =
  /** A complete command, ready for parseCommand(). */
  | { kind: 'command'; command: RawCommand }
  /** A synchronizing literal was announced within limits: send `+ ...` now, then keep pulling. */
  | { kind: 'continue'; tag: string; size: number }
  /** A limit was hit; see ReaderError. The reader has already resynchronized (or is skipping). */
  | { kind: 'error'; error: ReaderError }
  /** IDLE mode: the client's `DONE` (RFC 2177). */
  | { kind: 'done' }
  /** AUTHENTICATE mode: one client response line (base64 text or `*`), without CRLF. IDLE mode: anything but DONE. */
  | { kind: 'line'; line: Buffer };

export type ReaderMode = 'command' | 'idle' | 'authenticate';

/** `{123}`, `{123+}` or `~{123}` at the end of a line: the literal it announces. */
export interface LiteralMarker {
  size: number;
  synchronizing: boolean;
  binary: boolean;
  /** Where the marker starts in the line (its `{` or `~`). */
  start: number;
}

const CR = 0x0d;
const LF = 0x0a;

/** The literal marker a line ends with, or null. Sizes past 2^53 read as Infinity (too big anyway). */
export function literalMarker(line: Buffer): LiteralMarker | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d /* } */) return null;
  i--;
  let synchronizing = true;
  if (line[i] === 0x2b /* + */) {
    synchronizing = false;
    i--;
  }
  const end = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i === end - 1 || i < 0 || line[i] !== 0x7b /* { */) return null;
  const digits = line.toString('latin1', i + 1, end);
  // RFC 9051 number64 for literal sizes: leading zeros are allowed by the grammar; a very long run is not a size.
  const size = digits.length > 16 ? Infinity : Number(digits);
  const binary = i > 0 && line[i - 1] === 0x7e; /* ~ */
  return { size, synchronizing, binary, start: binary ? i - 1 : i };
}

/** The command name of a command's first line (after the tag, and after UID), upper-cased, or ''. */
function readCommandName(line: Buffer): string {
  const m = /^\S+ ([A-Za-z]+)(?: ([A-Za-z]+))?/.exec(line.toString('latin1', 0, Math.min(line.length, 80)));
  if (!m) return '';
  const first = m[1]!.toUpperCase();
  return first === 'UID' && m[2] ? m[2].toUpperCase() : first;
}

/** The first token of a line (the tag), if it looks like one. */
function readTag(line: Buffer): string {
  let end = 0;
  while (end < line.length && end < 64 && line[end] !== 0x20 && line[end]! > 0x20 && line[end]! < 0x7f) end++;
  if (end === 0 || end === 64 || (end < line.length && line[end] !== 0x20)) return '*';
  const tag = line.toString('latin1', 0, end);
  // tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 section 9); ASTRING-CHAR includes "]".
  return /^[^(){%*"\\+]+$/.test(tag) ? tag : '*';
}

type State =
  | { s: 'line' }
  /** Reading a literal's bytes into parts. */
  | { s: 'literal'; remaining: number; parts: Buffer[] }
  /** Discarding a too-long line up to its LF. */
  | { s: 'discard-line' }
  /** Skipping a too-big non-synchronizing literal, then the rest of its command. */
  | { s: 'skip-literal'; remaining: number; tag: string };

export class ImapReader {
  private readonly limits: Required<ReaderLimits>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private state: State = { s: 'line' };
  /** The command being assembled (lines and literals so far), or null between commands. */
  private pending: { lines: Buffer[]; literals: Buffer[]; tag: string; command: string; bytes: number } | null = null;
  /** True while discarding the rest of a command whose too-big non-sync literal was skipped. */
  private discardingCommand = false;
  private modeNow: ReaderMode = 'command';

  constructor(limits: ReaderLimits) {
    this.limits = {
      ...limits,
      maxCommandBytes: limits.maxCommandBytes ?? limits.maxLiteralBytes + 65536,
      maxOtherLiteralBytes: limits.maxOtherLiteralBytes ?? limits.maxLineBytes,
    };
  }

  get mode(): ReaderMode {
    return this.modeNow;
  }

  /** Switches how the following lines are read; effective for the next event (bytes already pushed included). */
  setMode(mode: ReaderMode): void {
    this.modeNow = mode;
  }

  /** Bytes received and not yet consumed (for a caller that bounds its own buffering). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while a command is partly read (a line with literals, or a literal's bytes). */
  get inCommand(): boolean {
    return this.pending !== null || this.state.s !== 'line';
  }

  /**
   * Drops everything buffered and any partly read command, returning how many bytes were dropped. After
   * STARTTLS the server must not act on plaintext the client sent behind the command (RFC 9051 section
   * 6.2.1, the command injection of CVE-2011-0411): call this before switching the socket to TLS.
   */
  reset(): number {
    const dropped = this.buffered;
    this.chunks = [];
    this.buffered = 0;
    this.state = { s: 'line' };
    this.pending = null;
    this.discardingCommand = false;
    return dropped;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next event, or null when more bytes are needed. */
  next(): ReaderEvent | null {
    for (;;) {
      const st = this.state;
      if (st.s === 'literal') {
        if (this.buffered === 0) return null;
        const part = this.take(Math.min(st.remaining, this.buffered));
        st.parts.push(part);
        st.remaining -= part.length;
        if (st.remaining > 0) return null;
        this.pending!.literals.push(st.parts.length === 1 ? st.parts[0]! : Buffer.concat(st.parts));
        this.state = { s: 'line' };
        continue;
      }
      if (st.s === 'skip-literal') {
        if (this.buffered === 0) return null;
        const n = Math.min(st.remaining, this.buffered);
        this.drop(n);
        st.remaining -= n;
        if (st.remaining > 0) return null;
        // The rest of the command follows (more text, maybe more literals): read and drop it.
        this.discardingCommand = true;
        this.state = { s: 'line' };
        continue;
      }
      const lf = this.indexOfLf();
      if (st.s === 'discard-line') {
        if (lf < 0) {
          this.drop(this.buffered);
          return null;
        }
        this.drop(lf + 1);
        this.state = { s: 'line' };
        continue;
      }
      // Reading a line.
      if (lf < 0) {
        if (this.buffered > this.limits.maxLineBytes + 1) {
          const head = this.peek(Math.min(this.buffered, 80));
          const error = this.lineError(head);
          const wasDiscarding = this.discardingCommand;
          this.pending = null;
          this.discardingCommand = false;
          this.drop(this.buffered);
          this.state = { s: 'discard-line' };
          if (!wasDiscarding) return { kind: 'error', error };
        }
        return null;
      }
      let line = this.take(lf + 1);
      line = line.subarray(0, line.length - (line.length >= 2 && line[line.length - 2] === CR ? 2 : 1));
      if (line.length > this.limits.maxLineBytes) {
        const error = this.lineError(line);
        const wasDiscarding = this.discardingCommand;
        this.pending = null;
        this.discardingCommand = false;
        if (!wasDiscarding) return { kind: 'error', error };
        continue;
      }
      if (this.discardingCommand) {
        const m = literalMarker(line);
        if (m && !m.synchronizing) {
          this.state = { s: 'skip-literal', remaining: m.size, tag: '*' };
          this.discardingCommand = false;
        } else {
          // End of the discarded command (a synchronizing literal here is never answered: the client
          // already has its tagged answer and gives up the command).
          this.discardingCommand = false;
        }
        continue;
      }
      if (this.pending === null && this.modeNow === 'idle') {
        if (line.length === 4 && line.toString('latin1').toUpperCase() === 'DONE') return { kind: 'done' };
        return { kind: 'line', line };
      }
      if (this.pending === null && this.modeNow === 'authenticate') return { kind: 'line', line };
      const cmd = this.pending ?? { lines: [], literals: [], tag: readTag(line), command: readCommandName(line), bytes: 0 };
      cmd.lines.push(line);
      cmd.bytes += line.length + 2;
      const m = literalMarker(line);
      if (!m) {
        this.pending = null;
        return { kind: 'command', command: { lines: cmd.lines, literals: cmd.literals, tag: cmd.tag } };
      }
      const max = cmd.command === 'APPEND' ? this.limits.maxLiteralBytes : this.limits.maxOtherLiteralBytes;
      if (m.size > max || cmd.bytes + m.size > this.limits.maxCommandBytes) {
        this.pending = null;
        const error: ReaderError = { code: 'literal-too-big', tag: cmd.tag, size: m.size, synchronizing: m.synchronizing };
        if (cmd.command) error.command = cmd.command;
        if (!m.synchronizing) {
          if (m.size === Infinity) {
            // Cannot be skipped: nothing sensible follows. Treat the rest as garbage lines.
            this.state = { s: 'line' };
          } else this.state = { s: 'skip-literal', remaining: m.size, tag: cmd.tag };
        }
        return { kind: 'error', error };
      }
      cmd.bytes += m.size;
      this.pending = cmd;
      this.state = { s: 'literal', remaining: m.size, parts: [] };
      if (m.size === 0) {
        cmd.literals.push(Buffer.alloc(0));
        this.state = { s: 'line' };
      }
      if (m.synchronizing) return { kind: 'continue', tag: cmd.tag, size: m.size };
    }
  }

  /** The line-too-long error for a line starting with `head` (or continuing the pending command). */
  private lineError(head: Buffer): ReaderError {
    const tag = this.pending?.tag ?? readTag(head);
    const command = this.pending?.command ?? readCommandName(head);
    return command ? { code: 'line-too-long', tag, command } : { code: 'line-too-long', tag };
  }

  private indexOfLf(): number {
    let offset = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(LF);
      if (i >= 0) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  /** Removes and returns the first n buffered bytes. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const c = this.chunks[0]!;
      if (c.length <= need) {
        parts.push(c);
        this.chunks.shift();
        need -= c.length;
      } else {
        parts.push(c.subarray(0, need));
        this.chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
    return Buffer.concat(parts, n);
  }

  private drop(n: number): void {
    let need = n;
    while (need > 0) {
      const c = this.chunks[0]!;
      if (c.length <= need) {
        this.chunks.shift();
        need -= c.length;
      } else {
        this.chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
  }
}
