// One accepted IMAP or POP3 connection as the shared listeners hand it to a protocol session: the socket
// (replaced in place by STARTTLS / STLS), whether it is encrypted, the client address, an idle time-out
// that survives the upgrade, and writes that respect back-pressure.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { plainAddress } from '../core/addresses.js';

export class AccessConnection {
  /** Short random id for the log lines of this connection. */
  readonly id = randomBytes(6).toString('base64url');
  /** The client's address (IPv4-mapped IPv6 shown as IPv4). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The listener's port (tells the plain from the implicit-TLS listener in logs). */
  readonly localPort: number;
  private sock: Socket;
  private encrypted: boolean;
  private idle: { ms: number; onIdle: () => void } | null = null;
  private closedFlag = false;
  private shutdownHandler: (() => void) | null = null;
  private readonly closeWaiters: Array<() => void> = [];

  constructor(socket: Socket, secure: boolean) {
    this.sock = socket;
    this.encrypted = secure;
    this.remoteAddress = plainAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    this.track(socket);
  }

  get socket(): Socket {
    return this.sock;
  }

  /** TLS from the first byte (implicit-TLS port) or after STARTTLS / STLS. */
  get secure(): boolean {
    return this.encrypted;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves once the connection is gone (either side closed it, or it failed). */
  whenClosed(): Promise<void> {
    return this.closedFlag ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /**
   * Calls `onIdle` after `ms` without traffic in either direction (the protocol's autologout); 0 turns it
   * off (IMAP IDLE keeps its own clock). Applies to the TLS socket after an upgrade too.
   */
  setIdleTimeout(ms: number, onIdle: () => void): void {
    this.idle = ms > 0 ? { ms, onIdle } : null;
    this.applyIdle();
  }

  /** Writes, resolving once the data is handed to the kernel (so a flood of output waits for a slow reader). */
  write(data: string | Buffer): Promise<void> {
    if (this.closedFlag || this.sock.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const flushed = this.sock.write(data, () => resolve());
      // The callback also runs on error; 'drain' is not needed since the callback waits for the flush.
      void flushed;
    });
  }

  /** Writes a last line (if any) and ends the connection; destroys it if the peer does not close in time. */
  end(lastLine?: string): void {
    if (this.closedFlag) return;
    if (lastLine !== undefined && !this.sock.destroyed) this.sock.end(lastLine);
    else this.sock.end();
    const s = this.sock;
    setTimeout(() => s.destroy(), 2000).unref();
  }

  /**
   * The server is stopping: the session's own handler (registered with onShutdown; e.g. finish the
   * response being written, then say goodbye), or else `goodbyeLine` and the end of the connection.
   */
  shutdown(goodbyeLine: string): void {
    if (this.shutdownHandler) this.shutdownHandler();
    else this.end(goodbyeLine);
  }

  /** What to do when the server stops (default: write the protocol's goodbye line and close). */
  onShutdown(handler: () => void): void {
    this.shutdownHandler = handler;
  }

  destroy(): void {
    this.sock.destroy();
  }

  /** STARTTLS: the encrypted socket now carries the session (see starttls.ts). */
  replaceSocket(socket: Socket): void {
    // The plain socket sees no traffic of its own any more: its timer would only fire for nothing.
    this.sock.setTimeout(0);
    this.sock = socket;
    this.encrypted = true;
    this.track(socket);
    this.applyIdle();
  }

  private track(socket: Socket): void {
    // Errors (a client resetting) end the session; they must not crash the process.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (socket !== this.sock || this.closedFlag) return;
      this.closedFlag = true;
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  private applyIdle(): void {
    const s = this.sock;
    if (!this.idle) {
      s.setTimeout(0);
      return;
    }
    const { ms, onIdle } = this.idle;
    s.removeAllListeners('timeout');
    s.setTimeout(ms, () => {
      if (s === this.sock && !this.closedFlag) onIdle();
    });
  }
}
