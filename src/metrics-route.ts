// GET /metrics: the process's metrics (src/core/metrics.ts) in the Prometheus text format 0.0.4, on the
// same listener as ActiveSync and the admin API. Held requests are counted from this server's registry
// when scraped; process memory likewise. An onResponse hook on the root instance counts ActiveSync POSTs
// by command and HTTP status, so the ActiveSync front needs no change for it.
// Access: open by default (Prometheus scrapes without credentials, and the figures hold no account
// data); with CARBONIO_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>` (401
// otherwise). Set it, or block /metrics at the proxy, when the listener is reachable from the Internet.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { easMetrics, processMetrics, PROMETHEUS_CONTENT_TYPE, registry, type CounterSeries } from './core/metrics.js';
import type { DeviceSessions } from './devices/sessions.js';
import { commands } from './eas/commands/index.js';
import { parseEasQuery } from './eas/query.js';

export interface MetricsDeps {
  sessions: DeviceSessions;
}

const EAS_PATH = '/microsoft-server-activesync';
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when no token is configured, or the request carries it as a bearer token. */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/** The command a request named, as the command table spells it ('other' for anything else, so labels stay few). */
function commandOf(req: FastifyRequest): string {
  const i = req.url.indexOf('?');
  if (i < 0) return 'other';
  try {
    return commands.get(parseEasQuery(req.url.slice(i + 1), {}).cmd.toLowerCase())?.name ?? 'other';
  } catch {
    return 'other';
  }
}

/** The counter of a (command, status) pair, kept once made. */
const requestSeries = new Map<string, Map<number, CounterSeries>>();
function requestCounter(command: string, status: number): CounterSeries {
  let byStatus = requestSeries.get(command);
  if (!byStatus) requestSeries.set(command, (byStatus = new Map<number, CounterSeries>()));
  let c = byStatus.get(status);
  if (!c) byStatus.set(status, (c = easMetrics.requests.labels(command, String(status))));
  return c;
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

/** Adds GET /metrics and the request counter to the root instance (call before the ActiveSync routes are registered). */
export function registerMetrics(app: FastifyInstance, deps: MetricsDeps, token: string | undefined): void {
  app.addHook('onResponse', (req, reply, done) => {
    if (req.method === 'POST' && req.url.slice(0, EAS_PATH.length).toLowerCase() === EAS_PATH) {
      requestCounter(commandOf(req), reply.statusCode).inc();
    }
    done();
  });
  app.get('/metrics', { logLevel: 'warn' }, async (req, reply) => {
    if (!metricsAuthorized(token, req.headers.authorization)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="carbonio-metrics"').type('text/plain; charset=utf-8').send('metrics token required\n');
    }
    refresh(deps.sessions);
    return reply.code(200).header('cache-control', 'no-store').type(PROMETHEUS_CONTENT_TYPE).send(registry.render());
  });
}
