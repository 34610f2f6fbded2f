// The HTTP listeners shared by the admin API, /health, /metrics and ActiveSync: plain HTTP (for loopback
// or a TLS proxy in front) and, when a certificate is configured, HTTPS serving exactly the same routes
// (one Fastify instance, two Node servers: Fastify's serverFactory hands both the same handler).
import http from 'node:http';
import https from 'node:https';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import type { Authenticator } from './auth/types.js';
import type { Bus } from './bus/types.js';
import type { DeviceSessions } from './devices/sessions.js';
import type { OutgoingDeps } from './mail/outgoing.js';
import type { DirectoryService } from './auth/directory-service.js';
import type { Store } from './store/types.js';
import cookie from '@fastify/cookie';
import { adminApi } from './admin/api.js';
import { webSessionApi } from './admin/routes-web-session.js';
import type { WebSessions } from './auth/web-sessions.js';
import { webPages } from './web/pages.js';
import { selfApi } from './admin/routes-self.js';
import { autodiscoverRoutes } from './eas/autodiscover.js';
import { easRoutes } from './eas/http.js';
import { syncSimulator } from './eas/sync/simulate.js';
import { registerMetrics } from './metrics-route.js';
import { MIN_TLS_VERSION, type TlsMaterial } from './tls/material.js';
import { VERSION } from './version.js';
import type { OnlineBackup } from './store/backup-types.js';
import { errorBody, HttpError, sendError, toHttpError } from './admin/http-errors.js';
import { errorResponse, SCHEMA_AJV_OPTIONS } from './admin/route-schemas.js';
import { registerOpenApi } from './openapi.js';

export interface HttpDeps {
  /**
   * What the routes read of the configuration (the listener, /metrics, ActiveSync, the proxies). Not the
   * configured public URL: with port 0 it names no real port, so the resolved one comes as publicUrl.
   */
  config: Pick<Config, 'httpPort' | 'metricsToken' | 'trustedProxies' | 'easVersions' | 'easMaxRequestBytes' | 'logDir' | 'backupDir' | 'backupStepPages'>;
  /** The public URL (autodiscover answers it), resolved once the listeners are bound: read it per request. */
  publicUrl: () => string;
  store: Store;
  auth: Authenticator;
  directory: DirectoryService;
  bus: Bus;
  sessions: DeviceSessions;
  outgoing: OutgoingDeps;
  log: Logger;
  /** The certificate for HTTPS; null: plain HTTP only. */
  tls: TlsMaterial | null;
  /** Web console sessions (cookie sign-in for the pages and the JSON APIs). */
  webSessions: WebSessions;
  /** SQLite's online backup (POST /api/admin/backup); absent on PostgreSQL (pg_dump). */
  onlineBackup?: OnlineBackup | null;
}

export interface HttpServers {
  app: FastifyInstance;
  /** Plain HTTP, unless turned off (then Fastify's own server is the HTTPS one). */
  plain: http.Server | null;
  secure: https.Server | null;
  /** Every route registered, `METHOD /path` (HEAD twins included): the OpenAPI test compares it with the document. */
  routes: readonly string[];
}

/** A held EAS request may last the longest heartbeat (3540 s) plus margin; Node must not cut it. */
function holdFriendly<S extends http.Server>(server: S): S {
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.setTimeout(0);
  return server;
}

export async function buildHttpServer(deps: HttpDeps): Promise<HttpServers> {
  let plain: http.Server | null = null;
  let secure: https.Server | null = null;
  // Typed as Fastify's logger so the instance has the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = fastify({
    loggerInstance,
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For (right-most untrusted hop) and X-Forwarded-Proto count only from the trusted
    // proxies; req.ip is then the real client for lockouts, logs, device records and /metrics.
    trustProxy: deps.config.trustedProxies.length > 0 ? deps.config.trustedProxies : false,
    // Phones and proxies spell /Microsoft-Server-ActiveSync in any case.
    routerOptions: { caseSensitive: false },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // What the route schemas are written for (src/admin/route-schemas.ts): JSON checked as sent.
    ajv: { customOptions: { ...SCHEMA_AJV_OPTIONS } },
    // A URL Fastify cannot decode is a 400 in the one error shape too.
    frameworkErrors: (err, _req, reply) => {
      void sendError(reply, new HttpError(400, 'bad-request', err.message));
    },
    serverFactory: (handler) => {
      const tls = deps.tls;
      if (tls) {
        const p = tls.current;
        secure = holdFriendly(https.createServer({ key: p.key, cert: p.cert, minVersion: MIN_TLS_VERSION, ALPNProtocols: ['http/1.1'] }, handler));
        const server = secure;
        // New connections get the new pair; open ones (and their held Pings) keep theirs.
        tls.onChange((next) => server.setSecureContext({ key: next.key, cert: next.cert, minVersion: MIN_TLS_VERSION }));
      }
      if (deps.config.httpPort !== null) plain = holdFriendly(http.createServer(handler));
      // Fastify listens and closes the plain server when there is one; app.ts handles the other.
      return (plain ?? secure)!;
    },
  });
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push(`${m} ${r.url}`);
  });
  // ActiveSync writes its own access line per request, so Fastify's per-request lines (info) are kept out
  // with a route log level of warn; errors still reach the log.
  const quiet = { logLevel: 'warn' as const };
  // One error shape for every route outside ActiveSync and Autodiscover (which answer as their protocols
  // define, with their own handlers): set first, so every plugin registered after inherits them.
  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err);
    if (e.status >= 500) req.log.error({ err }, 'HTTP error');
    else req.log.info({ status: e.status, code: e.code }, e.message);
    return sendError(reply, e);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new HttpError(404, 'not-found', 'no such endpoint')));
  // Before any route: the generator collects them as they are registered.
  await registerOpenApi(app);
  const healthFields = { status: { type: 'string' }, version: { type: 'string' }, database: { type: 'string' } };
  const healthSchema = {
    tags: ['server'], summary: 'Whether the server and its database answer', security: [],
    response: {
      200: { description: 'Healthy', type: 'object', properties: healthFields },
      // The one error shape, with the fields monitors read on a healthy answer.
      503: (() => {
        const e = errorResponse(503, 'The database cannot be reached');
        return { ...e, properties: { ...(e.properties as object), ...healthFields } };
      })(),
    },
  };
  app.get('/health', { ...quiet, schema: healthSchema }, async (_req, reply) => {
    try {
      await deps.store.ping();
      return { status: 'ok', version: VERSION, database: deps.store.dialect };
    } catch {
      return reply.code(503).send({
        ...errorBody(new HttpError(503, 'unavailable', 'the database cannot be reached')), status: 'unavailable', version: VERSION, database: deps.store.dialect,
      });
    }
  });
  registerMetrics(app, deps, deps.config.metricsToken);
  // Parses Cookie headers for the whole instance (the web session cookie works on both JSON APIs).
  await app.register(cookie);
  // The admin API may not import ActiveSync: it gets the simulated sync (doSimulateSync) from here.
  const adminDeps = { ...deps, simulateSync: syncSimulator(deps) };
  await app.register(webSessionApi(adminDeps), { prefix: '/api/session', ...quiet });
  await app.register(adminApi(adminDeps), { prefix: '/api/admin', ...quiet });
  await app.register(selfApi(adminDeps), { prefix: '/api/self', ...quiet });
  await app.register(easRoutes(deps), quiet);
  await app.register(autodiscoverRoutes(deps), quiet);
  await app.register(webPages(), quiet);
  return { app, plain, secure, routes };
}
