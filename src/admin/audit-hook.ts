// The audit trail's single hook (issue 17 part 3): every answered request that may change something
// (POST, PUT, PATCH, DELETE) under /api/admin or /api/self becomes one audit_log row, refusals included,
// once the answer has gone out (onResponse), written asynchronously so the request never waits for it
// or fails because of it (a failed write is logged). Which action and target a route is comes from
// audit-actions.ts; who asked is noted by the authentication (noteActor), so a request whose caller was
// never identified (no or wrong credentials) leaves no row: anyone could otherwise fill the table.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { NewAuditEntry } from '../store/audit-types.js';
import type { Account, Store } from '../store/types.js';
import { auditActions, SECRET_FIELD, type AuditAction, type AuditRequest } from './audit-actions.js';
import { toHttpError } from './http-errors.js';

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_TEXT = 200;
const MAX_LIST = 20;

interface Note {
  actor?: Account;
  code?: string;
  detail?: Record<string, unknown>;
}

const notes = new WeakMap<FastifyRequest, Note>();

function noteOf(req: FastifyRequest): Note {
  let n = notes.get(req);
  if (!n) notes.set(req, (n = {}));
  return n;
}

/** Called where a request's caller is identified (admin Basic auth, web session, self-service). */
export function noteActor(req: FastifyRequest, account: Account): void {
  noteOf(req).actor = account;
}

/** Explicit detail a route adds to its entry (e.g. the id of what it created); never a secret. */
export function noteAuditDetail(req: FastifyRequest, detail: Record<string, unknown>): void {
  const n = noteOf(req);
  n.detail = { ...n.detail, ...detail };
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A value as kept: scalars (long text cut), short lists of scalars; anything else is left out. */
function keepable(v: unknown): unknown {
  if (typeof v === 'string') return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}...` : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) return v.slice(0, MAX_LIST).map(keepable).filter((x) => x !== undefined);
  return undefined;
}

function detailOf(spec: AuditAction | undefined, r: AuditRequest, explicit: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of spec?.keep ?? []) {
    const v = keepable(r.body[k]);
    if (v !== undefined) out[k] = v;
  }
  Object.assign(out, spec?.detail?.(r), explicit);
  for (const k of Object.keys(out)) if (SECRET_FIELD.test(k)) delete out[k];
  return out;
}

/** The row for one answered request, or null when it is not recorded. */
export function auditEntry(req: FastifyRequest, status: number, via: 'admin' | 'self', now: number): NewAuditEntry | null {
  if (!CHANGING.has(req.method)) return null;
  const url = req.routeOptions.url;
  if (url === undefined) return null; // no route (404 of the not-found handler): nothing was touched
  const n = notes.get(req);
  if (!n?.actor) return null;
  const key = `${req.method} ${url}`;
  const spec = auditActions.get(key);
  if (spec === null) return null;
  const r: AuditRequest = { params: record(req.params), query: record(req.query), body: record(req.body), actor: n.actor.email };
  // A route missing from the table is still recorded, under its method and path.
  const t = spec ? spec.target(r) : { target: '', account: null, domain: null };
  return {
    at: now,
    actor: n.actor.email,
    actorId: n.actor.id,
    address: req.ip,
    via,
    action: spec ? (typeof spec.action === 'string' ? spec.action : spec.action(r)) : key,
    target: t.target,
    targetAccount: t.account,
    targetDomain: t.domain,
    status,
    outcome: status < 400 ? 'ok' : (n.code ?? `http-${status}`),
    detail: detailOf(spec, r, n.detail),
  };
}

/** Registers the hooks on one API plugin (its routes only: the plugin is encapsulated). */
export function registerAudit(app: FastifyInstance, deps: { store: Store; log: Logger }, via: 'admin' | 'self'): void {
  const pending = new Set<Promise<void>>();
  app.addHook('onError', (req, _reply, err, done) => {
    noteOf(req).code = toHttpError(err).code;
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    let entry: NewAuditEntry | null = null;
    try {
      entry = auditEntry(req, reply.statusCode, via, Date.now());
    } catch (err) {
      deps.log.error({ err, route: req.routeOptions.url }, 'building the audit entry failed');
    }
    if (entry) {
      const e = entry;
      const write = deps.store.audit.insert(e)
        .catch((err: unknown) => deps.log.error({ err, action: e.action, actor: e.actor, target: e.target }, 'writing the audit entry failed'))
        .finally(() => pending.delete(write));
      pending.add(write);
    }
    done();
  });
  // The last entries reach the store before it is closed (app.ts closes the HTTP server first).
  app.addHook('onClose', async () => {
    await Promise.allSettled([...pending]);
  });
}
