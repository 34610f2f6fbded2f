// Change bus across server processes sharing one PostgreSQL database (ARCHITECTURE.md section 2):
// publish delivers to this process's subscribers at once and sends the notice with pg_notify; one
// dedicated connection (not from the store's pool) LISTENs and hands other processes' notices to the
// local subscribers. Notices waiting to be sent are merged per account and sent in batches over the
// same connection, so a commit never waits for the bus. When the connection drops, it reconnects with
// backoff (100 ms doubling to 5 s), LISTENs again, sends what waited, and signals a resync so held
// requests re-check the store for what was committed while nobody listened.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AccountId } from '../core/ids.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { ChangeNotice } from '../store/types.js';
import { MemoryBus } from './memory-bus.js';
import { CHANNEL, decodeNotice, encodeNotice, mergeNotice, type PendingNotice } from './pg-payload.js';
import type { Bus } from './types.js';

export interface PgBusOptions {
  /** The database's connection string (the store's). */
  url: string;
  log?: Logger;
  /** Names this process in the payloads so it skips its own; random by default. */
  nodeId?: string;
  /** application_name of the listening connection, as pg_stat_activity shows it (default `carbonio-bus-<pid>`). */
  applicationName?: string;
  /** First and longest wait between reconnection attempts (default 100 ms and 5 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Interval of a `select 1` probe of the listening connection, to notice a silent network loss (default 30 s; 0: none). */
  healthCheckMs?: number;
}

/** One connection attempt and, once it LISTENs, the live connection. */
interface Conn {
  client: pg.Client;
  dead: boolean;
}

const BATCH = 500;
const CLOSE_FLUSH_MS = 2000;

export class PgBus implements Bus {
  readonly nodeId: string;
  private readonly local: MemoryBus;
  private readonly log: Logger;
  private readonly resyncListeners = new Set<() => void>();
  private pending = new Map<AccountId, PendingNotice>();
  private conn: Conn | null = null;
  private live = false;
  private closed = false;
  private delay: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readyResolve: (() => void) | null = null;
  private readonly readyPromise: Promise<void>;

  constructor(private readonly opts: PgBusOptions) {
    this.nodeId = opts.nodeId ?? randomUUID();
    this.log = opts.log ?? silentLogger();
    this.local = new MemoryBus(this.log);
    this.delay = opts.retryMinMs ?? 100;
    this.readyPromise = new Promise((resolve) => (this.readyResolve = resolve));
    this.connect();
  }

  /** A bus that listens, or after `waitMs` one that keeps trying in the background (never throws). */
  static async start(opts: PgBusOptions, waitMs = 5000): Promise<PgBus> {
    const bus = new PgBus(opts);
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      bus.ready().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!waited) bus.log.warn({ waitMs }, 'change bus: not listening yet; starting anyway and retrying in the background');
    return bus;
  }

  /** Resolves once the first LISTEN succeeded. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** True while the listening connection is up. */
  get listening(): boolean {
    return this.live;
  }

  publish(notice: ChangeNotice): void {
    this.local.publish(notice);
    if (this.closed) return;
    mergeNotice(this.pending, notice.accountId, notice.folderIds, notice.hierarchy, notice.endDevices, notice.imapFolderIds);
    this.flush();
  }

  subscribe(accountId: AccountId, listener: (n: ChangeNotice) => void): () => void {
    return this.local.subscribe(accountId, listener);
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    const conn = this.conn;
    // Send what is still waiting, briefly: other processes would otherwise learn of it only at their heartbeat.
    if (conn && this.live && this.pending.size > 0) {
      await withTimeout(this.send(conn, this.takePending()).catch((err: unknown) => this.log.warn({ err }, 'change bus: notices not sent at close')), CLOSE_FLUSH_MS);
    }
    if (this.flushing) await withTimeout(this.flushing, CLOSE_FLUSH_MS);
    this.pending.clear();
    this.resyncListeners.clear();
    this.live = false;
    this.conn = null;
    if (conn) {
      conn.dead = true;
      await withTimeout(conn.client.end().catch(() => undefined), CLOSE_FLUSH_MS);
    }
    await this.local.close();
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.opts.applicationName ?? `carbonio-bus-${process.pid}`,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    const conn: Conn = { client, dead: false };
    this.conn = conn;
    client.on('error', (err) => this.drop(conn, err));
    client.on('end', () => this.drop(conn, null));
    client.on('notification', (m) => this.receive(m));
    const open = async (): Promise<void> => {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    };
    open().then(
      () => this.onListening(conn),
      (err: unknown) => this.drop(conn, err),
    );
  }

  private onListening(conn: Conn): void {
    if (conn.dead) return;
    if (this.closed) {
      conn.dead = true;
      conn.client.end().catch(() => undefined);
      return;
    }
    const again = this.readyResolve === null;
    this.live = true;
    this.delay = this.opts.retryMinMs ?? 100;
    if (again) this.log.info('change bus: listening again');
    this.readyResolve?.();
    this.readyResolve = null;
    this.scheduleHealth(conn);
    this.flush();
    // Whatever was committed while nobody listened reached no one: every held request looks again.
    for (const l of [...this.resyncListeners]) {
      try {
        l();
      } catch (err) {
        this.log.error({ err }, 'change bus: resync listener failed');
      }
    }
  }

  /** The connection (or the attempt) failed: forget it and try again after the backoff. */
  private drop(conn: Conn, err: unknown): void {
    if (conn.dead) return;
    conn.dead = true;
    const wasLive = this.live && this.conn === conn;
    if (this.conn === conn) {
      this.conn = null;
      this.live = false;
      if (this.healthTimer) clearTimeout(this.healthTimer);
      this.healthTimer = null;
    }
    conn.client.end().catch(() => undefined);
    if (this.closed) return;
    if (wasLive) this.log.warn({ err }, 'change bus: connection lost; reconnecting');
    else this.log.warn({ err, retryInMs: this.delay }, 'change bus: cannot listen; retrying');
    this.retryTimer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.retryMaxMs ?? 5000);
  }

  private receive(m: pg.Notification): void {
    if (m.channel !== CHANNEL || m.payload === undefined) return;
    const decoded = decodeNotice(m.payload);
    if (!decoded) {
      this.log.warn({ bytes: m.payload.length }, 'change bus: ignored a malformed notice');
      return;
    }
    if (decoded.nodeId === this.nodeId) return; // delivered locally when published
    this.local.publish(decoded.notice);
  }

  /** Sends the waiting notices unless a send is under way (it loops) or the connection is down (reconnecting sends them). */
  private flush(): void {
    if (this.flushing || !this.live || this.pending.size === 0) return;
    this.flushing = (async () => {
      while (this.live && this.conn && this.pending.size > 0) {
        const conn = this.conn;
        const batch = this.takePending();
        try {
          await this.send(conn, batch);
        } catch (err) {
          // Keep them for the next connection; a failed statement means this one is unusable.
          for (const [a, p] of batch) mergeNotice(this.pending, a, p.folders, p.hierarchy, p.ended, p.imap);
          this.drop(conn, err);
        }
      }
    })()
      .catch((err: unknown) => this.log.error({ err }, 'change bus: flush failed'))
      .finally(() => {
        this.flushing = null;
        this.flush(); // anything published between the loop's end and here
      });
  }

  private takePending(): Map<AccountId, PendingNotice> {
    const batch = this.pending;
    this.pending = new Map();
    return batch;
  }

  private async send(conn: Conn, batch: Map<AccountId, PendingNotice>): Promise<void> {
    const payloads: string[] = [];
    for (const [accountId, p] of batch) {
      const encoded = encodeNotice({
        accountId, folderIds: [...p.folders], hierarchy: p.hierarchy, ...(p.ended.size > 0 ? { endDevices: [...p.ended] } : {}), ...(p.imap.size > 0 ? { imapFolderIds: [...p.imap] } : {}),
      }, this.nodeId);
      if (encoded.length === 0) this.log.error({ accountId }, 'change bus: notice too large to send');
      payloads.push(...encoded);
    }
    for (let i = 0; i < payloads.length; i += BATCH) {
      await conn.client.query('select pg_notify($1, p) from unnest($2::text[]) as t(p)', [CHANNEL, payloads.slice(i, i + BATCH)]);
    }
  }

  private scheduleHealth(conn: Conn): void {
    const every = this.opts.healthCheckMs ?? 30_000;
    if (every <= 0) return;
    this.healthTimer = setTimeout(() => {
      if (conn.dead || this.closed) return;
      // A probe that does not come back within the interval means the network is gone without a reset.
      this.healthTimer = setTimeout(() => this.drop(conn, new Error('change bus: health check timed out')), every);
      conn.client.query('select 1').then(
        () => {
          if (this.healthTimer) clearTimeout(this.healthTimer);
          if (!conn.dead && !this.closed) this.scheduleHealth(conn);
        },
        (err: unknown) => this.drop(conn, err),
      );
    }, every);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.retryTimer = null;
    this.healthTimer = null;
  }
}

/** Waits for `p`, at most `ms`; never rejects. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
