// One IMAP connection (RFC 9051 3: not authenticated -> authenticated <-> selected -> logout). Bytes from
// the socket go through the reader (src/imap/protocol/reader.ts: lines, literals, limits), each complete
// command is parsed and run one at a time, in order; IDLE and AUTHENTICATE switch the reader's mode.
// Changes made elsewhere (phones, SMTP, other IMAP sessions, other server processes) arrive on the bus:
// they mark the selected mailbox dirty, and are told to the client after a command, at NOOP, or at once
// while it IDLEs (src/imap/selected.ts computes what changed).
import tls from 'node:tls';
import type { AccessConnection, Lease, TlsContexts } from '../access/index.js';
import { authAllowed } from '../access/index.js';
import { isStoreError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Account, ChangeNotice } from '../store/types.js';
import { ImapReader, type RawCommand, type ReaderEvent } from './protocol/reader.js';
import { commandHead, parseCommand, ParseError } from './protocol/parser.js';
import type { Command } from './protocol/types.js';
import { continuation, tagged, untagged, untaggedStatus, type ResponseCode } from './protocol/writer.js';
import { capabilities } from './capabilities.js';
import type { ImapDeps } from './deps.js';
import { reportUpdates } from './updates.js';
import type { SelectedView } from './selected.js';
import { dispatch, type Done } from './commands/index.js';
import { saslStep, type SaslState } from './commands/auth.js';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** Longest command line; RFC 9051 4 asks for at least 8192 octets. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Pause the socket while a command runs and this much is waiting unread. */
const MAX_BUFFERED = MAX_LINE_BYTES + 64 * 1024;

/** Commands after which EXPUNGE may not be sent (RFC 9051 7.5.1; their UID forms may). */
const NO_EXPUNGE = new Set(['FETCH', 'STORE', 'SEARCH']);

export class ImapSession {
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  selected: SelectedView | null = null;
  /** ENABLEd extensions (RFC 5161), upper-case: CONDSTORE, QRESYNC, IMAP4REV2, UTF8=ACCEPT. */
  readonly enabled = new Set<string>();
  /** RFC 7162 3.1: the client used a CONDSTORE-enabling command: unsolicited FETCH carries MODSEQ. */
  condstore = false;
  /** SEARCH RETURN (SAVE) result as UIDs (RFC 5182). */
  saved: number[] = [];
  log: Logger;
  private readonly reader: ImapReader;
  private lease: Lease | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopResync: (() => void) | null = null;
  private idling: { tag: string } | null = null;
  private sasl: SaslState | null = null;
  private running = false;
  private again = false;
  private paused = false;
  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    if (this.running && this.reader.bufferedBytes > MAX_BUFFERED && !this.paused) {
      this.paused = true;
      this.conn.socket.pause();
    }
    this.pump();
  };

  constructor(readonly deps: ImapDeps, readonly conn: AccessConnection, private starttls: TlsContexts | null) {
    this.log = deps.log.child({ conn: conn.id });
    this.reader = new ImapReader({ maxLineBytes: MAX_LINE_BYTES, maxLiteralBytes: deps.config.maxMessageBytes });
  }

  /** Greets and starts reading. */
  start(): void {
    this.conn.setIdleTimeout(this.deps.config.mailAccess.imapIdleMs, () => {
      this.conn.end('* BYE Autologout; idle for too long\r\n');
    });
    this.conn.onShutdown(() => this.conn.end('* BYE Server shutting down\r\n'));
    void this.conn.whenClosed().then(() => this.cleanup());
    this.conn.socket.on('data', this.onData);
    void this.send(untaggedStatus('OK', 'Carbonio IMAP ready', { name: 'CAPABILITY', args: this.capabilities().join(' ') }));
  }

  get utf8(): boolean { return this.enabled.has('IMAP4REV2') || this.enabled.has('UTF8=ACCEPT'); }
  get rev2(): boolean { return this.enabled.has('IMAP4REV2'); }
  get qresync(): boolean { return this.enabled.has('QRESYNC'); }
  get authAllowed(): boolean { return authAllowed(this.conn.secure, this.conn.remoteAddress, this.deps.config); }

  capabilities(): string[] {
    return capabilities({ authenticated: this.state !== 'not-authenticated', authAllowed: this.authAllowed, starttls: this.starttls !== null && !this.conn.secure });
  }

  /** Writes response parts in order; waits only when the client reads slower than we write. */
  async send(data: Buffer | readonly Buffer[]): Promise<void> {
    const parts = Buffer.isBuffer(data) ? [data] : data;
    let last: Promise<void> = Promise.resolve();
    for (const p of parts) {
      last = this.conn.write(p);
      if (this.conn.socket.writableLength > 1024 * 1024) await last;
    }
    await last;
  }

  untagged(...values: Parameters<typeof untagged>[0]): Promise<void> {
    return this.send(untagged(values, { utf8: this.utf8 }));
  }

  /** The account, the session being authenticated (commands are dispatched by state). */
  get accountOrThrow(): Account {
    if (!this.account) throw new Error('not authenticated');
    return this.account;
  }

  /** After a successful login: the bus tells this session of the account's changes. */
  loggedIn(account: Account, lease: Lease): void {
    this.account = account;
    this.lease = lease;
    this.state = 'authenticated';
    this.log = this.log.child({ account: account.email });
    this.unsubscribe = this.deps.bus.subscribe(account.id, (n) => this.onNotice(n));
    this.stopResync = this.deps.bus.onResync?.(() => this.markDirty()) ?? null;
  }

  private onNotice(n: ChangeNotice): void {
    const sel = this.selected;
    if (!sel || !(n.folderIds.includes(sel.folderId) || n.imapFolderIds?.includes(sel.folderId))) return;
    this.markDirty();
  }

  private markDirty(): void {
    if (!this.selected) return;
    this.selected.dirty = true;
    if (this.idling) this.pump();
  }

  /** Runs the reader's events one at a time; re-entered from data and bus events, never concurrently. */
  private pump(): void {
    if (this.running) {
      // Bytes or a notice that came after the loop last looked: it runs once more when done.
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    void this.drain().finally(() => {
      this.running = false;
      if (this.paused) {
        this.paused = false;
        this.conn.socket.resume();
      }
      if (this.again) this.pump();
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.conn.closed || this.state === 'logout') return;
        if (this.idling && this.selected?.dirty) await reportUpdates(this, true);
        const ev = this.reader.next();
        if (!ev) {
          if (this.idling && this.selected?.dirty) continue;
          return;
        }
        await this.handle(ev);
      }
    } catch (err) {
      this.log.error({ err }, 'imap session failed');
      this.conn.end('* BYE Internal server error\r\n');
    }
  }

  private async handle(ev: ReaderEvent): Promise<void> {
    switch (ev.kind) {
      case 'continue':
        return this.send(continuation());
      case 'error': {
        const e = ev.error;
        const tag = e.tag === '*' ? '*' : e.tag;
        if (e.code === 'literal-too-big') {
          // APPEND's message announced too big before it is sent: NO [TOOBIG] (RFC 9051 7.1). A LITERAL+ one,
          // whose bytes come anyway (skipped by the reader), is a BAD (RFC 7888 4), and so is any other
          // command's literal (a password, a search string) past a line's length.
          const append = e.command === 'APPEND';
          const max = append ? this.deps.config.maxMessageBytes : MAX_LINE_BYTES;
          const text = `Literal of ${e.size ?? '?'} octets is larger than the ${max} allowed`;
          return this.send(tag === '*' ? untaggedStatus('BAD', text) : tagged(tag, append && e.synchronizing ? 'NO' : 'BAD', text, { name: 'TOOBIG' }));
        }
        const text = `Line longer than ${MAX_LINE_BYTES} octets`;
        return this.send(tag === '*' ? untaggedStatus('BAD', text) : tagged(tag, 'BAD', text));
      }
      case 'done':
        return this.endIdle('OK', 'IDLE terminated');
      case 'line':
        if (this.idling) return this.endIdle('BAD', 'Expected DONE');
        if (this.sasl) return this.saslLine(ev.line);
        return;
      case 'command':
        return this.command(ev.command);
    }
  }

  private async command(raw: RawCommand): Promise<void> {
    let cmd: Command;
    try {
      cmd = parseCommand(raw, { utf8: this.utf8 });
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const head = commandHead(raw);
      const tag = err.tag === '*' ? null : err.tag;
      const code = err.code ? { name: err.code } : undefined;
      const text = head.name && !KNOWN.has(head.name) ? `Unknown command ${head.name.slice(0, 40)}` : `Syntax error: ${err.message}`;
      return this.send(tag ? tagged(tag, 'BAD', text, code) : untaggedStatus('BAD', text, code));
    }
    const refused = this.refusedInState(cmd.name);
    if (refused) return this.send(tagged(cmd.tag, 'BAD', refused));
    let done: Done | null;
    try {
      done = await this.run(cmd);
    } catch (err) {
      done = this.failure(err);
    }
    if (done === null) return; // IDLE, AUTHENTICATE, STARTTLS: answered on their own
    if (this.state === 'selected' && this.selected && cmd.name !== 'LOGOUT' && done.status !== 'BAD') {
      const uid = 'uid' in cmd && cmd.uid;
      await reportUpdates(this, uid || !NO_EXPUNGE.has(cmd.name));
    }
    await this.send(tagged(cmd.tag, done.status, done.text, done.code));
    if (this.state === 'logout') this.conn.end();
  }

  /** Maps a store failure to a tagged answer (ARCHITECTURE.md section 2: by kind, never by message). */
  failure(err: unknown): Done {
    if (isStoreError(err, 'not-found')) return { status: 'NO', text: 'No such mailbox or message', code: { name: 'NONEXISTENT' } };
    if (isStoreError(err, 'exists')) return { status: 'NO', text: 'It already exists', code: { name: 'ALREADYEXISTS' } };
    if (isStoreError(err, 'forbidden')) return { status: 'NO', text: 'Not allowed on a system folder', code: { name: 'CANNOT' } };
    if (isStoreError(err, 'invalid') || isStoreError(err, 'cycle')) return { status: 'NO', text: err instanceof Error ? err.message : 'Invalid', code: { name: 'CANNOT' } };
    if (isStoreError(err, 'temporary')) return { status: 'NO', text: 'Try again later', code: { name: 'UNAVAILABLE' } };
    this.log.error({ err }, 'imap command failed');
    return { status: 'NO', text: 'Internal server error', code: { name: 'SERVERBUG' } };
  }

  private refusedInState(name: Command['name']): string | null {
    const any = ['CAPABILITY', 'NOOP', 'LOGOUT', 'ID'];
    const before = ['STARTTLS', 'AUTHENTICATE', 'LOGIN'];
    const selectedOnly = ['CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE'];
    if (any.includes(name)) return null;
    if (this.state === 'not-authenticated') return before.includes(name) ? null : `${name} needs a login first`;
    if (before.includes(name)) return `${name} is not allowed once logged in`;
    if (selectedOnly.includes(name) && this.state !== 'selected') return `${name} needs a selected mailbox`;
    return null;
  }

  private async run(cmd: Command): Promise<Done | null> {
    switch (cmd.name) {
      case 'IDLE':
        this.idling = { tag: cmd.tag };
        this.reader.setMode('idle');
        await this.send(continuation('idling'));
        if (this.selected) await reportUpdates(this, true);
        return null;
      case 'STARTTLS':
        return this.startTls(cmd.tag);
      case 'AUTHENTICATE': {
        const r = await saslStep(this, { tag: cmd.tag, mechanism: cmd.mechanism.toUpperCase(), step: 0 }, cmd.initialResponse);
        return this.saslResult(r);
      }
      default:
        return dispatch(this, cmd);
    }
  }

  private async saslLine(line: Buffer): Promise<void> {
    const st = this.sasl!;
    const r = await saslStep(this, st, line.toString('latin1'));
    const done = this.saslResult(r);
    if (done) await this.send(tagged(st.tag, done.status, done.text, done.code));
  }

  /** A SASL exchange either asks for more (a challenge was sent: the reader reads a line) or ends. */
  private saslResult(r: SaslState | Done): Done | null {
    if ('step' in r) {
      this.sasl = r;
      this.reader.setMode('authenticate');
      return null;
    }
    this.sasl = null;
    this.reader.setMode('command');
    return r;
  }

  private async endIdle(status: 'OK' | 'BAD', text: string): Promise<void> {
    const idle = this.idling;
    if (!idle) return;
    this.idling = null;
    this.reader.setMode('command');
    await this.send(tagged(idle.tag, status, text));
  }

  /** STARTTLS (RFC 9051 6.2.1): OK in clear, then the handshake; bytes the client sent meanwhile are dropped. */
  private async startTls(tag: string): Promise<Done | null> {
    const contexts = this.starttls;
    if (!contexts || this.conn.secure) return { status: 'BAD', text: 'STARTTLS is not available here' };
    await this.send(tagged(tag, 'OK', 'Begin TLS negotiation now'));
    const plain = this.conn.socket;
    plain.off('data', this.onData);
    // What came in clear after the command must not run as if it came over TLS (CVE-2011-0411).
    const dropped = this.reader.reset();
    if (dropped > 0) this.log.info({ event: 'starttls-injection', remote: this.conn.remoteAddress, bytes: dropped }, 'bytes sent in clear after STARTTLS discarded');
    if (this.paused) {
      this.paused = false;
      plain.resume();
    }
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: contexts.current });
    this.conn.replaceSocket(secure);
    this.starttls = null;
    secure.on('data', this.onData);
    secure.once('error', () => secure.destroy());
    return null;
  }

  private cleanup(): void {
    this.state = 'logout';
    this.unsubscribe?.();
    this.stopResync?.();
    this.lease?.release();
    this.unsubscribe = this.stopResync = null;
    this.lease = null;
    this.selected = null;
  }
}

const KNOWN = new Set([
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN', 'ENABLE', 'ID', 'NAMESPACE', 'SELECT', 'EXAMINE', 'CREATE',
  'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'STATUS', 'APPEND', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE',
  'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'IDLE', 'UID',
]);

export type { ResponseCode };
