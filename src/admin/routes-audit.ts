// Admin API: the audit trail (issue 17 part 3), newest first.
//   GET /audit[?account=A][&actor=A][&since=T][&limit=N][&before=ID]
// T is an ISO 8601 date/time or a span back from now (7d, 24h; core/time-spec.ts). A global admin sees
// every entry; a delegated admin those whose target is in his domains, and his own actions. `before`
// pages on: the id of the last entry of the previous page.
import type { FastifyInstance } from 'fastify';
import { parseTimeSpec, TIME_SPEC_HELP } from '../core/time-spec.js';
import type { AuditEntry, AuditQuery } from '../store/audit-types.js';
import { authenticate, domainNames, type AdminDeps } from './context.js';
import { badRequest } from './http-errors.js';
import { isGlobal } from './policy.js';
import { isoTime } from './views.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

type Q = { Querystring: Partial<Record<'account' | 'actor' | 'since' | 'limit' | 'before', string>> };

const entryView = (e: AuditEntry) => ({
  id: e.id,
  time: isoTime(e.at),
  actor: e.actor,
  address: e.address,
  via: e.via,
  action: e.action,
  target: e.target,
  account: e.targetAccount,
  domain: e.targetDomain,
  status: e.status,
  outcome: e.outcome,
  detail: e.detail,
});

function wholeNumber(v: string, name: string, max: number): number {
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1 || Number(v) > max) throw badRequest(`"${name}" must be a whole number from 1 to ${max}`);
  return Number(v);
}

export function registerAuditRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get<Q>('/audit', async (req) => {
    const p = await authenticate(deps, req);
    const q: AuditQuery = { limit: req.query.limit === undefined ? DEFAULT_LIMIT : wholeNumber(req.query.limit, 'limit', MAX_LIMIT) };
    if (req.query.account) q.account = req.query.account.trim().toLowerCase();
    if (req.query.actor) q.actor = req.query.actor.trim().toLowerCase();
    if (req.query.since) {
      const since = parseTimeSpec(req.query.since, Date.now());
      if (since === null) throw badRequest(`"since" must be ${TIME_SPEC_HELP}`);
      q.since = since;
    }
    if (req.query.before !== undefined) q.beforeId = wholeNumber(req.query.before, 'before', Number.MAX_SAFE_INTEGER);
    if (!isGlobal(p)) q.visibleTo = { domains: await domainNames(deps.store, p.domains), ownActor: p.account.email };
    return { entries: (await deps.store.audit.list(q)).map(entryView) };
  });
}
