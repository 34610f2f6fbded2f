// One POP3 session (RFC 1939): AUTHORIZATION (CAPA, STLS, USER/PASS, AUTH PLAIN, QUIT), TRANSACTION
// (STAT, LIST, UIDL, TOP, RETR, DELE, RSET, NOOP, CAPA, QUIT) and UPDATE (deletions applied at QUIT).
// Commands are read one at a time from the shared line reader, so pipelined commands (RFC 2449
// PIPELINING) wait in its buffer and are answered in order. Logins go through protocolLogin ('pop3': the
// account password and POP3-bound credentials work, a mobile password does not; lockout and failure
// logging as everywhere). Messages are sent as stored, CRLF-normalized and dot-stuffed; no flag changes
// (a desktop client downloading the Inbox must not mark everything read on the phone: Dovecot's
// pop3_no_flag_updates).
import {
  LineReader, authAllowed, decodeBase64, parsePlain, protocolLogin, upgradeToTls,
  type AccessConnection, type Lease, type MailAccessDeps, type PlainCredentials, type TlsContexts,
} from '../access/index.js';
import type { Account } from '../store/types.js';
import { Maildrop, type DropMessage } from './maildrop.js';
import { pop3Stream } from './message-output.js';
import { replies, ok } from './replies.js';

/**
 * Longest command line. RFC 2449 section 4 limits commands to 255 octets, but an AUTH PLAIN initial
 * response carries a login and a secret of up to 1024 bytes in base64 (RFC 5034 section 4 lifts the
 * limit for it); 4 KiB covers both with room.
 */
export const POP3_MAX_LINE = 4096;

type State = 'authorization' | 'transaction';

export function runSession(deps: MailAccessDeps, conn: AccessConnection, starttls: TlsContexts | null): void {
  const session = new Pop3Session(deps, conn, starttls);
  session.run().catch((error: unknown) => {
    deps.log.error({ err: error, conn: conn.id }, 'pop3 session failed');
    conn.destroy();
  });
}

class Pop3Session {
  private state: State = 'authorization';
  private readonly reader: LineReader;
  /** The name given by USER, waiting for PASS. */
  private user: string | null = null;
  private account: Account | null = null;
  private lease: Lease | null = null;
  private drop: Maildrop | null = null;
  private busy = false;
  private stopping = false;
  private ended = false;

  constructor(private readonly deps: MailAccessDeps, private readonly conn: AccessConnection, private readonly starttls: TlsContexts | null) {
    this.reader = new LineReader(conn.socket, { maxLineBytes: POP3_MAX_LINE });
  }

  async run(): Promise<void> {
    const { conn } = this;
    // RFC 1939 section 3: on the autologout timer the server closes without a response and without
    // entering UPDATE: nothing marked is deleted.
    conn.setIdleTimeout(this.deps.config.mailAccess.pop3IdleMs, () => {
      this.deps.log.info({ event: 'pop3-idle-timeout', conn: conn.id, remote: conn.remoteAddress }, 'pop3 session idle too long; closed');
      this.finish();
      conn.destroy();
    });
    // Server stopping: a command being answered (a RETR, the UPDATE of a QUIT) finishes first.
    conn.onShutdown(() => {
      this.stopping = true;
      if (!this.busy) this.close(replies.shuttingDown);
    });
    void conn.whenClosed().then(() => this.finish());
    await conn.write(replies.greeting);
    while (!this.ended) {
      const r = await this.reader.next();
      if (r.kind === 'end') break;
      if (this.ended) break;
      this.busy = true;
      try {
        if (r.kind === 'too-long') await this.send(replies.lineTooLong);
        else await this.command(r.line.toString('utf8'));
      } finally {
        this.busy = false;
      }
      if (this.stopping) this.close(replies.shuttingDown);
    }
    this.finish();
  }

  private async command(line: string): Promise<void> {
    const space = line.indexOf(' ');
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? '' : line.slice(space + 1);
    const args = arg === '' ? [] : arg.split(' ');
    const inAuth = this.state === 'authorization';
    switch (keyword) {
      case 'CAPA': return this.capa();
      case 'QUIT': return this.quit();
      case 'NOOP': return inAuth ? this.send(replies.wrongState) : this.send(ok(''));
      case 'STLS': return inAuth ? this.stls() : this.send(replies.wrongState);
      case 'USER': return inAuth ? this.userCommand(arg) : this.send(replies.wrongState);
      case 'PASS': return inAuth ? this.pass(arg) : this.send(replies.wrongState);
      case 'AUTH': return inAuth ? this.auth(args) : this.send(replies.wrongState);
      case 'APOP': return this.send(inAuth ? replies.unknownMechanism : replies.wrongState);
      case 'STAT': case 'LIST': case 'UIDL': case 'RETR': case 'TOP': case 'DELE': case 'RSET':
        return inAuth || !this.drop ? this.send(replies.wrongState) : this.transaction(keyword, args, this.drop);
      default: return this.send(replies.unknownCommand);
    }
  }

  private plaintextOk(): boolean {
    return authAllowed(this.conn.secure, this.conn.remoteAddress, this.deps.config);
  }

  /** RFC 2449 section 5; USER and SASL only where a password may be sent, STLS only where it helps. */
  private capa(): Promise<void> {
    const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (this.state === 'authorization') {
      if (this.plaintextOk()) caps.push('USER', 'SASL PLAIN');
      if (this.starttls && !this.conn.secure) caps.push('STLS');
    }
    caps.push('IMPLEMENTATION carbonio-mobile');
    return this.send(`${ok('Capability list follows')}${caps.map((c) => `${c}\r\n`).join('')}.\r\n`);
  }

  /** RFC 2595 section 4: the go-ahead, then the handshake; the session starts over in AUTHORIZATION. */
  private async stls(): Promise<void> {
    if (this.conn.secure) return this.send(replies.alreadyTls);
    if (!this.starttls) return this.send(replies.tlsNotAvailable);
    await this.send(replies.beginTls);
    const up = await upgradeToTls(this.conn, this.reader, this.starttls, this.deps.log);
    if (!up.ok) {
      this.deps.log.info({ event: 'pop3-stls-failed', conn: this.conn.id, remote: this.conn.remoteAddress, error: up.error }, 'pop3 STLS handshake failed');
      this.finish();
      return;
    }
    this.user = null;
  }

  private userCommand(name: string): Promise<void> {
    if (!this.plaintextOk()) return this.send(replies.plaintextDisallowed);
    if (name === '') return this.send(replies.syntax);
    this.user = name;
    return this.send(replies.userAccepted);
  }

  private async pass(secret: string): Promise<void> {
    if (!this.plaintextOk()) return this.send(replies.plaintextDisallowed);
    const user = this.user;
    this.user = null;
    if (user === null) return this.send(replies.userFirst);
    // RFC 1939 section 7: the password may contain spaces; the whole rest of the line is it.
    return this.login({ login: user, secret });
  }

  /** RFC 5034: AUTH alone lists the mechanisms (what Outlook asks); AUTH PLAIN with or without initial response. */
  private async auth(args: string[]): Promise<void> {
    if (args.length === 0) return this.send(`${ok('')}PLAIN\r\n.\r\n`);
    if (args[0]!.toUpperCase() !== 'PLAIN' || args.length > 2) return this.send(replies.unknownMechanism);
    if (!this.plaintextOk()) return this.send(replies.plaintextDisallowed);
    let response = args[1];
    if (response === undefined) {
      await this.send(replies.authContinue);
      const r = await this.reader.next();
      if (r.kind === 'end') return;
      if (r.kind === 'too-long') return this.send(replies.lineTooLong);
      response = r.line.toString('latin1');
    }
    if (response === '*') return this.send(replies.authCancelled);
    const decoded = decodeBase64(response);
    const creds = decoded && parsePlain(decoded);
    if (!creds) return this.send(replies.authMalformed);
    return this.login(creds);
  }

  private async login(creds: PlainCredentials): Promise<void> {
    const { conn, deps } = this;
    const outcome = await protocolLogin(deps, 'pop3', creds.login, creds.secret, { remoteAddress: conn.remoteAddress, secure: conn.secure });
    if (!outcome.ok) {
      switch (outcome.kind) {
        case 'encryption-required': return this.send(replies.plaintextDisallowed);
        case 'locked-out': return this.send(replies.lockedOut);
        // The brief's rule for a limit: told why, then closed (a client retrying at once would loop).
        case 'too-many-connections': return this.close(replies.accountBusy);
        case 'unavailable': return this.send(replies.authUnavailable);
        default: return this.send(replies.authFailed);
      }
    }
    let drop: Maildrop;
    try {
      drop = await Maildrop.open(deps.store, outcome.account.id);
    } catch (error) {
      outcome.lease.release();
      deps.log.error({ err: error, account: outcome.account.email }, 'pop3: cannot open the maildrop');
      return this.send(replies.maildropUnavailable);
    }
    if (this.ended) {
      outcome.lease.release();
      return;
    }
    this.account = outcome.account;
    this.lease = outcome.lease;
    this.drop = drop;
    this.state = 'transaction';
    const { count, size } = drop.stat();
    deps.log.info({ event: 'pop3-login', conn: conn.id, account: outcome.account.email, remote: conn.remoteAddress, secure: conn.secure, messages: count }, 'pop3 login');
    return this.send(ok(`Logged in; ${count} messages (${size} octets)`));
  }

  private async transaction(keyword: string, args: string[], drop: Maildrop): Promise<void> {
    switch (keyword) {
      case 'STAT': {
        if (args.length > 0) return this.send(replies.syntax);
        const { count, size } = drop.stat();
        return this.send(ok(`${count} ${size}`));
      }
      case 'LIST':
      case 'UIDL': {
        const show = (n: number, m: DropMessage): string => `${n} ${keyword === 'LIST' ? m.size : m.uid}`;
        if (args.length > 1) return this.send(replies.syntax);
        if (args.length === 1) {
          const found = this.message(drop, args[0]!);
          if (typeof found === 'string') return this.send(found);
          // One message's size is counted from its bytes (one more read of a message about to be fetched).
          if (keyword === 'LIST') await drop.exactSize(this.deps.store, found.m);
          return this.send(ok(show(found.n, found.m)));
        }
        const lines = [...drop.live()].map(([n, m]) => `${show(n, m)}\r\n`);
        const head = keyword === 'LIST' ? ok(`${drop.stat().count} messages`) : ok('');
        return this.send(`${head}${lines.join('')}.\r\n`);
      }
      case 'RETR':
      case 'TOP': {
        if (keyword === 'RETR' ? args.length !== 1 : args.length !== 2) return this.send(replies.syntax);
        const found = this.message(drop, args[0]!);
        if (typeof found === 'string') return this.send(found);
        let bodyLines: number | undefined;
        if (keyword === 'TOP') {
          if (!/^\d{1,9}$/.test(args[1]!)) return this.send(replies.syntax);
          bodyLines = Number(args[1]);
        }
        return this.retrieve(found.m, bodyLines);
      }
      case 'DELE': {
        if (args.length !== 1) return this.send(replies.syntax);
        const found = this.message(drop, args[0]!);
        if (typeof found === 'string') return this.send(found);
        found.m.deleted = true;
        return this.send(ok(`Message ${found.n} deleted`));
      }
      case 'RSET': {
        if (args.length > 0) return this.send(replies.syntax);
        drop.reset();
        const { count, size } = drop.stat();
        return this.send(ok(`Maildrop has ${count} messages (${size} octets)`));
      }
      default:
        return this.send(replies.unknownCommand);
    }
  }

  /** A message by its number argument, or the -ERR line to send. */
  private message(drop: Maildrop, arg: string): { n: number; m: DropMessage } | string {
    if (!/^\d{1,10}$/.test(arg)) return replies.syntax;
    const n = Number(arg);
    const m = drop.get(n);
    if (!m) return replies.noSuchMessage;
    if (m.deleted) return replies.alreadyDeleted(n);
    return { n, m };
  }

  /**
   * RETR / TOP: the stored bytes, CRLF-normalized and dot-stuffed, read part by part from the store and
   * written chunk by chunk, each write waiting for the socket to take the last (a slow client slows the
   * reads instead of filling memory); TOP reads no part past its lines.
   */
  private async retrieve(m: DropMessage, bodyLines: number | undefined): Promise<void> {
    const account = this.account!;
    // The blob of the item as it is now: a phone may have deleted it since login.
    const item = await this.deps.store.mailbox.getItem(account.id, m.itemId);
    const parts = item?.blobId ? await this.deps.store.blobs.parts(item.blobId) : null;
    if (!parts) return this.send(replies.messageGone);
    await this.send(ok(bodyLines === undefined ? `${m.size} octets` : 'Top of message follows'));
    try {
      for await (const chunk of pop3Stream(parts, bodyLines)) {
        if (this.conn.closed) return;
        await this.conn.write(chunk);
      }
    } catch (error) {
      // Half a message is out: no "-ERR" can follow it, and a "." would pass it for the whole. The
      // connection ends without UPDATE (nothing marked is deleted) and the client sees a cut answer.
      this.deps.log.error({ err: error, account: account.email, item: m.itemId }, 'pop3: reading a message failed while sending it');
      this.finish();
      this.conn.destroy();
      return;
    }
    await this.send('.\r\n');
  }

  /** RFC 1939 section 6: in TRANSACTION, UPDATE (the deletions, in one transaction), then goodbye. */
  private async quit(): Promise<void> {
    const drop = this.drop;
    if (this.state === 'transaction' && drop) {
      let deleted: number;
      try {
        deleted = await drop.commit(this.deps.store);
      } catch (error) {
        this.deps.log.error({ err: error, account: this.account?.email }, 'pop3: applying deletions failed');
        this.close(replies.updateFailed);
        return;
      }
      this.deps.log.info({ event: 'pop3-update', conn: this.conn.id, account: this.account?.email, deleted }, 'pop3 session ended');
      this.close(ok(`carbonio-mobile POP3 server signing off (${deleted} messages deleted)`));
      return;
    }
    this.close(replies.bye);
  }

  private send(text: string): Promise<void> {
    return this.conn.write(text);
  }

  /** Last line, then the connection ends. */
  private close(last: string): void {
    if (this.ended) return;
    this.finish();
    this.conn.end(last);
  }

  /** The session is over (whatever the path): the account's connection slot goes back. */
  private finish(): void {
    this.ended = true;
    this.lease?.release();
    this.lease = null;
  }
}
