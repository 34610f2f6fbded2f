// Wiring only: config -> store -> auth -> bus -> servers, and an orderly stop.
import fs from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import { StoreAuthenticator } from './auth/authenticator.js';
import { DirectoryService } from './auth/directory-service.js';
import { MemoryBus } from './bus/memory-bus.js';
import { PgBus } from './bus/pg-bus.js';
import { DeviceSessions } from './devices/sessions.js';
import { startAbqNotifier } from './devices/abq-notify.js';
import { startContentFill } from './mail/content-fill.js';
import { LocalDelivery } from './mail/delivery.js';
import { Relay } from './mail/relay.js';
import type { Bus } from './bus/types.js';
import { SqlStore } from './store/sql/sql-store.js';
import { closeAccountLogs } from './devices/account-loggers.js';
import type { Store } from './store/types.js';
import { buildHttpServer } from './http-server.js';
import { startSmtpServers } from './smtp/index.js';
import { startMailAccess, type MailAccess } from './access/index.js';
import { mailAccessStarters } from './mail-access-servers.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';
import { TlsMaterial } from './tls/material.js';
import { WebSessions } from './auth/web-sessions.js';
import { startAuditRetention } from './admin/audit-retention.js';

export interface App {
  /** The configuration as loaded; never changed once started. */
  config: Config;
  /** The URL phones and QR codes are given: config.publicUrl, with the port actually bound when it named port 0 (tests). */
  publicUrl: string;
  store: Store;
  auth: StoreAuthenticator;
  directory: DirectoryService;
  bus: Bus;
  /** Held requests of devices, ended by device management and at shutdown. */
  sessions: DeviceSessions;
  bootstrap: BootstrapResult;
  /** Plain HTTP; null when turned off. */
  httpPort: number | null;
  /** HTTPS, SMTPS: null without a certificate. */
  httpsPort: number | null;
  smtpPort: number;
  submissionPort: number;
  smtpsPort: number | null;
  /** IMAP and POP3 bound ports (src/access): null when turned off, the TLS ones also without a certificate. */
  imapPort: number | null;
  imapsPort: number | null;
  pop3Port: number | null;
  pop3sPort: number | null;
  /** The IMAP and POP3 servers and their shared connection limits. */
  mailAccess: MailAccess;
  /** Every HTTP route registered, `METHOD /path` (the OpenAPI test compares it with /api/openapi.json). */
  httpRoutes: readonly string[];
  /** The certificate in use (null without TLS). */
  tls: TlsMaterial | null;
  /** Reads the certificate files again (SIGHUP); false when there is no TLS or the new pair was refused. */
  reloadTls(): boolean;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | null): Promise<void> {
  return new Promise((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
  });
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export async function startApp(config: Config, log: Logger): Promise<App> {
  // Created 0700: it holds the database (SQLite), the admin credentials file and, later, keys.
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // A certificate that cannot be used stops the start here, before anything listens (ConfigError-like).
  const tls = config.tls ? new TlsMaterial(config.tls, log.child({ svc: 'tls' })) : null;
  const store = await SqlStore.open(config.db.kind === 'sqlite' ? { kind: 'sqlite', file: config.db.file } : { kind: 'postgres', url: config.db.url }, log.child({ svc: 'store' }));
  const bus: Bus = config.db.kind === 'postgres' ? await PgBus.start({ url: config.db.url, log }) : new MemoryBus(log);
  store.onChange((n) => bus.publish(n));
  const auth = new StoreAuthenticator({ store, config, log });
  // Known for sure only once the listeners are bound (port 0): read lazily by what hands it out.
  let publicUrl = config.publicUrl;
  const directory = new DirectoryService(store, { kdf: config.kdf, publicUrl: () => publicUrl });
  let boot: BootstrapResult;
  try {
    boot = await bootstrap(config, store, directory, log);
  } catch (err) {
    await bus.close();
    await store.close();
    throw err;
  }

  const sessions = new DeviceSessions();
  // Mail sent from phones: the same local delivery and relay rules as SMTP submission.
  const relay = Relay.fromConfig(config);
  const outgoing = { store, delivery: new LocalDelivery(store, { ...(relay ? { relay } : {}), log }), relay };
  const webSessions = new WebSessions(store, auth, { idleMs: config.web.sessionIdleMs, maxAgeMs: config.web.sessionMaxAgeMs });
  const http = await buildHttpServer({ config, publicUrl: () => publicUrl, store, auth, directory, bus, sessions, outgoing, log, tls, webSessions, onlineBackup: store.onlineBackup });
  // Fastify listens on (and closes) its own server: the plain one, or the HTTPS one when plain HTTP is off.
  const extraHttps = http.plain ? http.secure : null;
  let smtp: Awaited<ReturnType<typeof startSmtpServers>> | null = null;
  let access: MailAccess | null = null;
  let httpPort: number | null = null;
  let httpsPort: number | null = null;
  try {
    await http.app.listen({ port: config.httpPort ?? config.httpsPort, host: config.bindAddress });
    const own = (http.app.server.address() as AddressInfo).port;
    if (http.plain) httpPort = own;
    else httpsPort = own;
    if (extraHttps) httpsPort = await listen(extraHttps, config.httpsPort, config.bindAddress);
    smtp = await startSmtpServers({ config, store, auth, log, outgoing, tls });
    access = await startMailAccess({ config, store, auth, bus, log, tls, delivery: outgoing.delivery }, mailAccessStarters);
  } catch (err) {
    await smtp?.close();
    await closeServer(extraHttps);
    await http.app.close();
    relay?.close();
    await bus.close();
    await store.close();
    tls?.close();
    throw err;
  }
  tls?.watch();
  // With port 0 (tests) the default public URL names the port actually bound.
  if (publicUrl.endsWith(':0')) publicUrl = `${publicUrl.slice(0, -2)}:${httpPort ?? httpsPort}`;
  if (publicUrl.startsWith('http://') && !isLoopbackUrl(publicUrl)) {
    log.warn({ publicUrl }, 'CARBONIO_PUBLIC_URL is plain http:// on a non-loopback host: phones would send passwords in clear; use https://');
  }
  log.info({
    httpPort, httpsPort, smtpPort: smtp.inboundPort, submissionPort: smtp.submissionPort, smtpsPort: smtp.smtpsPort,
    imapPort: access.port('imap', 'plain'), imapsPort: access.port('imap', 'tls'), pop3Port: access.port('pop3', 'plain'), pop3sPort: access.port('pop3', 'tls'),
    db: store.dialect,
  }, 'carbonio-mobile listening');

  // Expired web console sessions are deleted now and then (a dead one is also refused, and deleted, when used).
  const pruneSessions = setInterval(() => {
    webSessions.prune().catch((err: unknown) => log.warn({ err }, 'pruning web sessions failed'));
  }, 10 * 60_000);
  pruneSessions.unref();
  // ABQ: the admins' mail of newly quarantined devices, one process per run (src/devices/abq-notify.ts).
  const stopAbqNotifier = startAbqNotifier(store, outgoing.delivery, config.defaultDomain, log.child({ svc: 'abq' }));
  // Audit entries older than CARBONIO_AUDIT_DAYS go (src/admin/audit-retention.ts).
  const stopAuditRetention = startAuditRetention(store, config.auditDays, log.child({ svc: 'audit' }));
  // Mail stored before migration 016 gets its MessageContent in the background (src/mail/content-fill.ts).
  const contentFill = startContentFill(store, log.child({ svc: 'content-fill' }));

  let closing: Promise<void> | null = null;
  const servers = smtp;
  const mailAccess = access;
  const nodeServers = [http.plain, http.secure].filter((x) => x !== null);
  return {
    config, publicUrl, store, auth, directory, bus, sessions, httpPort, httpsPort, bootstrap: boot, tls, httpRoutes: http.routes,
    smtpPort: servers.inboundPort,
    submissionPort: servers.submissionPort,
    smtpsPort: servers.smtpsPort,
    imapPort: mailAccess.port('imap', 'plain'),
    imapsPort: mailAccess.port('imap', 'tls'),
    pop3Port: mailAccess.port('pop3', 'plain'),
    pop3sPort: mailAccess.port('pop3', 'tls'),
    mailAccess,
    reloadTls: () => tls?.reload('SIGHUP') ?? false,
    close() {
      // Stop accepting first, let in-flight work finish, then close the store it writes to.
      closing ??= (async () => {
        clearInterval(pruneSessions);
        stopAbqNotifier();
        stopAuditRetention();
        tls?.close();
        // Held requests (Ping, Sync with a wait) are answered now, so the HTTP server can drain; the
        // keep-alive connections they leave idle are closed as they become idle, not at their timeout.
        sessions.endAll((err) => log.error({ err }, 'ending a held request failed'));
        const sweep = setInterval(() => { for (const s of nodeServers) s.closeIdleConnections(); }, 50);
        try {
          await Promise.allSettled([http.app.close(), closeServer(extraHttps), servers.close(), mailAccess.close()]);
        } finally {
          clearInterval(sweep);
        }
        await Promise.race([outgoing.delivery.autoReplies.settled(), new Promise((r) => setTimeout(r, 2000))]);
        await closeAccountLogs(store); // the last requests' records reach their files
        await contentFill.stop();
        relay?.close();
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}
