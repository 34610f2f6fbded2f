// GET /metrics: the process's metrics (src/core/metrics.ts) in the Prometheus text format 0.0.4, on the
// same listener as ActiveSync and the admin API. Held requests are counted from this server's registry
// when scraped; process memory likewise. ActiveSync requests are counted by the dispatcher itself
// (src/eas/http.ts), which knows the command and the EAS Status it answered.
// Access: open by default (Prometheus scrapes without credentials, and the figures hold no account
// data); with CARBONIO_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>` (401
// otherwise). Set it, or block /metrics at the proxy, when the listener is reachable from the Internet.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { easMetrics, processMetrics, PROMETHEUS_CONTENT_TYPE, registry } from './core/metrics.js';
import type { DeviceSessions } from './devices/sessions.js';
import { errorResponses } from './admin/route-schemas.js';
import { HttpError, sendError } from './admin/http-errors.js';

export interface MetricsDeps {
  sessions: DeviceSessions;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when no token is configured, or the request carries it as a bearer token. */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/** Brings the figures read at scrape time up to date: held requests of this server, memory. */
function refresh(sessions: DeviceSessions): void {
  easMetrics.heldRequests.reset();
  for (const s of sessions.list()) easMetrics.heldRequests.labels(s.command ?? 'unknown').inc();
  const mem = process.memoryUsage();
  processMetrics.residentMemory.labels().set(mem.rss);
  processMetrics.heapUsed.labels().set(mem.heapUsed);
  processMetrics.heapTotal.labels().set(mem.heapTotal);
  processMetrics.startTime.labels().set(Math.floor(performance.timeOrigin / 1000));
}

/** Adds GET /metrics to the root instance. */
export function registerMetrics(app: FastifyInstance, deps: MetricsDeps, token: string | undefined): void {
  const schema = {
    tags: ['server'], summary: 'Metrics in the Prometheus text format 0.0.4',
    security: token ? [{ metricsToken: [] }] : [],
    response: { 200: { description: 'The metrics (text/plain; version=0.0.4)' }, ...errorResponses([401]) },
  };
  app.get('/metrics', { logLevel: 'warn', schema }, async (req, reply) => {
    // The refusal is in the one error shape of every non-EAS route (Prometheus only reads the status).
    if (!metricsAuthorized(token, req.headers.authorization)) {
      return sendError(reply.header('www-authenticate', 'Bearer realm="carbonio-metrics"'), new HttpError(401, 'unauthorized', 'metrics token required'));
    }
    refresh(deps.sessions);
    return reply.code(200).header('cache-control', 'no-store').type(PROMETHEUS_CONTENT_TYPE).send(registry.render());
  });
}
