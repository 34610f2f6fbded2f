// Wiring only: config -> store -> auth -> bus -> servers, and an orderly stop.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import { StoreAuthenticator } from './auth/authenticator.js';
import { DirectoryService } from './auth/directory-service.js';
import { MemoryBus } from './bus/memory-bus.js';
import { PgBus } from './bus/pg-bus.js';
import { DeviceSessions } from './devices/sessions.js';
import { LocalDelivery } from './mail/delivery.js';
import { Relay } from './mail/relay.js';
import type { Bus } from './bus/types.js';
import { SqlStore } from './store/sql/sql-store.js';
import type { Store } from './store/types.js';
import { buildHttpServer } from './http-server.js';
import { startSmtpServers } from './smtp/index.js';
import { bootstrap, type BootstrapResult } from './bootstrap.js';

export interface App {
  config: Config;
  store: Store;
  auth: StoreAuthenticator;
  directory: DirectoryService;
  bus: Bus;
  /** Held requests of devices, ended by device management and at shutdown. */
  sessions: DeviceSessions;
  bootstrap: BootstrapResult;
  httpPort: number;
  smtpPort: number;
  submissionPort: number;
  close(): Promise<void>;
}

export async function startApp(config: Config, log: Logger): Promise<App> {
  // Created 0700: it holds the database (SQLite), the admin credentials file and, later, keys.
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await SqlStore.open(config.db.kind === 'sqlite' ? { kind: 'sqlite', file: config.db.file } : { kind: 'postgres', url: config.db.url });
  const bus: Bus = config.db.kind === 'postgres' ? await PgBus.start({ url: config.db.url, log }) : new MemoryBus(log);
  store.onChange((n) => bus.publish(n));
  const auth = new StoreAuthenticator({ store, config, log });
  const directory = new DirectoryService(store, config);
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
  const http = await buildHttpServer({ config, store, auth, directory, bus, sessions, outgoing, log });
  let smtp: Awaited<ReturnType<typeof startSmtpServers>> | null = null;
  try {
    await http.listen({ port: config.httpPort, host: config.bindAddress });
    smtp = await startSmtpServers({ config, store, auth, log, outgoing });
  } catch (err) {
    await http.close();
    relay?.close();
    await bus.close();
    await store.close();
    throw err;
  }
  const httpPort = (http.server.address() as AddressInfo).port;
  // With port 0 (tests) the default public URL names the port actually bound.
  if (config.publicUrl.endsWith(':0')) config.publicUrl = `${config.publicUrl.slice(0, -2)}:${httpPort}`;
  log.info({ httpPort, smtpPort: smtp.inboundPort, submissionPort: smtp.submissionPort, db: store.dialect }, 'carbonio-mobile listening');

  let closing: Promise<void> | null = null;
  const servers = smtp;
  return {
    config, store, auth, directory, bus, sessions, httpPort, bootstrap: boot,
    smtpPort: servers.inboundPort,
    submissionPort: servers.submissionPort,
    close() {
      // Stop accepting first, let in-flight work finish, then close the store it writes to.
      closing ??= (async () => {
        // Held requests (Ping, Sync with a wait) are answered now, so the HTTP server can drain; the
        // keep-alive connections they leave idle are closed as they become idle, not at their timeout.
        sessions.endAll((err) => log.error({ err }, 'ending a held request failed'));
        const sweep = setInterval(() => http.server.closeIdleConnections(), 50);
        try {
          await Promise.allSettled([http.close(), servers.close()]);
        } finally {
          clearInterval(sweep);
        }
        await Promise.race([outgoing.delivery.autoReplies.settled(), new Promise((r) => setTimeout(r, 2000))]);
        relay?.close();
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}
