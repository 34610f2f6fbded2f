// The Store for both dialects: repositories over one Kysely instance, plus transactions whose
// change notices reach listeners only after commit.
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ChangeNotice, Repos, Store } from '../types.js';
import type { Dialect } from '../migrations/index.js';
import { ChangeCollector, translate, translated, type SqlContext } from './context.js';
import { connect, type StoreLocation } from './connect.js';
import { sqliteOnlineBackup } from './online-backup.js';
import type { OnlineBackup } from '../backup-types.js';
import type { Logger } from '../../core/logger.js';
import { SqlAccountLoggerRepo } from './account-loggers.js';
import { SqlAbqRepo } from './abq.js';
import { SqlAuditRepo } from './audit.js';
import { SqlAuthGuardRepo } from './auth-guard.js';
import { SqlCredentialRepo } from './credentials.js';
import { SqlDeviceStateRepo } from './device-state.js';
import { SqlDeviceRepo } from './devices.js';
import { SqlEasFilterRepo } from './eas-filters.js';
import { SqlAccountRepo, SqlDomainRepo } from './directory.js';
import { SqlBlobRepo } from './blobs.js';
import { SqlImapRepo } from './imap.js';
import { SqlMailboxRepo } from './mailbox.js';
import type { DB } from './schema.js';
import { SqlMobileServicesRepo } from './mobile-services.js';
import { SqlSettingsRepo } from './settings.js';
import { SqlWebSessionRepo } from './web-sessions.js';

/** The repositories over one connection or transaction; their driver errors come out as StoreErrors (context.ts translate). */
function repos(ctx: SqlContext): Repos {
  return {
    domains: translated(new SqlDomainRepo(ctx), 'domains'),
    devices: translated(new SqlDeviceRepo(ctx), 'devices'),
    deviceState: translated(new SqlDeviceStateRepo(ctx), 'deviceState'),
    accounts: translated(new SqlAccountRepo(ctx), 'accounts'),
    credentials: translated(new SqlCredentialRepo(ctx), 'credentials'),
    mailbox: translated(new SqlMailboxRepo(ctx), 'mailbox'),
    blobs: translated(new SqlBlobRepo(ctx), 'blobs'),
    settings: translated(new SqlSettingsRepo(ctx), 'settings'),
    authGuard: translated(new SqlAuthGuardRepo(ctx), 'authGuard'),
    webSessions: translated(new SqlWebSessionRepo(ctx), 'webSessions'),
    easFilters: translated(new SqlEasFilterRepo(ctx), 'easFilters'),
    accountLoggers: translated(new SqlAccountLoggerRepo(ctx), 'accountLoggers'),
    mobileServices: translated(new SqlMobileServicesRepo(ctx), 'mobileServices'),
    abq: translated(new SqlAbqRepo(ctx), 'abq'),
    audit: translated(new SqlAuditRepo(ctx), 'audit'),
    imap: translated(new SqlImapRepo(ctx), 'imap'),
  };
}

export class SqlStore implements Store {
  readonly domains; readonly devices; readonly deviceState; readonly accounts; readonly credentials; readonly mailbox; readonly blobs; readonly settings; readonly authGuard; readonly webSessions;
  readonly easFilters;
  readonly accountLoggers;
  readonly mobileServices;
  readonly abq;
  readonly audit;
  readonly imap;
  /** SQLite only: a consistent copy while the server runs (null on PostgreSQL: pg_dump, see the README). */
  readonly onlineBackup: OnlineBackup | null;
  private readonly listeners = new Set<(n: ChangeNotice) => void>();

  private constructor(readonly db: Kysely<DB>, readonly dialect: Dialect, sqlite: Database.Database | null = null) {
    this.onlineBackup = sqlite ? sqliteOnlineBackup(sqlite) : null;
    const r = repos(this.context(db, null));
    this.domains = r.domains; this.devices = r.devices; this.deviceState = r.deviceState; this.accounts = r.accounts; this.credentials = r.credentials;
    this.mailbox = r.mailbox; this.blobs = r.blobs; this.settings = r.settings; this.authGuard = r.authGuard; this.webSessions = r.webSessions;
    this.easFilters = r.easFilters;
    this.accountLoggers = r.accountLoggers;
    this.mobileServices = r.mobileServices;
    this.abq = r.abq;
    this.audit = r.audit;
    this.imap = r.imap;
  }

  /** `log` receives the migration steps (the server passes its logger; tools may stay quiet). */
  static async open(location: StoreLocation, log?: Logger): Promise<SqlStore> {
    const { db, dialect, sqlite } = await connect(location, log);
    return new SqlStore(db, dialect, sqlite);
  }

  private context(db: Kysely<DB>, collector: ChangeCollector | null): SqlContext {
    return { db, dialect: this.dialect, collector, emit: (n) => this.emit(n) };
  }

  private emit(notices: ChangeNotice[]): void {
    for (const n of notices) for (const l of this.listeners) l(n);
  }

  async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    const collector = new ChangeCollector();
    let result: T;
    try {
      result = await this.db.transaction().execute((trx) => fn(repos(this.context(trx, collector))));
    } catch (err) {
      // BEGIN and COMMIT fail on a lost connection too; the callback's own errors pass through unchanged.
      translate(err, 'transaction');
    }
    this.emit(collector.notices());
    return result;
  }

  onChange(listener: (notice: ChangeNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db).catch((err: unknown) => translate(err, 'ping'));
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.db.destroy();
  }
}
