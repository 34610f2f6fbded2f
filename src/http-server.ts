// The HTTP listener shared by the admin API, /health and (later) ActiveSync.
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import type { Authenticator } from './auth/types.js';
import type { Bus } from './bus/types.js';
import type { DeviceSessions } from './devices/sessions.js';
import type { OutgoingDeps } from './mail/outgoing.js';
import type { DirectoryService } from './auth/directory-service.js';
import type { Store } from './store/types.js';
import { adminApi } from './admin/api.js';
import { selfApi } from './admin/routes-self.js';
import { autodiscoverRoutes } from './eas/autodiscover.js';
import { easRoutes } from './eas/http.js';
import { registerMetrics } from './metrics-route.js';
import { VERSION } from './version.js';

export interface HttpDeps {
  config: Config;
  store: Store;
  auth: Authenticator;
  directory: DirectoryService;
  bus: Bus;
  sessions: DeviceSessions;
  outgoing: OutgoingDeps;
  log: Logger;
}

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance has the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = fastify({
    loggerInstance,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // Phones and proxies spell /Microsoft-Server-ActiveSync in any case.
    routerOptions: { caseSensitive: false },
    // A held EAS request may last the longest heartbeat (3540 s) plus margin; Node must not cut it.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // ActiveSync writes its own access line per request, so Fastify's per-request lines (info) are kept out
  // with a route log level of warn; errors still reach the log.
  const quiet = { logLevel: 'warn' as const };
  app.get('/health', quiet, async (_req, reply) => {
    try {
      await deps.store.ping();
      return { status: 'ok', version: VERSION, database: deps.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', version: VERSION, database: deps.store.dialect });
    }
  });
  registerMetrics(app, deps, deps.config.metricsToken);
  await app.register(adminApi(deps), { prefix: '/api/admin', ...quiet });
  await app.register(selfApi(deps), { prefix: '/api/self', ...quiet });
  await app.register(easRoutes(deps), quiet);
  await app.register(autodiscoverRoutes(deps), quiet);
  return app;
}
