// The audit trail (AuditRepo, issue 17 part 3) for both dialects: plain inserts, a filtered list newest
// first (the indexes of migration 019 serve each filter), and an idempotent retention delete.
import type { Selectable } from 'kysely';
import type { AccountId } from '../../core/ids.js';
import type { AuditEntry, AuditQuery, AuditRepo, NewAuditEntry } from '../audit-types.js';
import type { SqlContext } from './context.js';
import type { AuditLogTable } from './schema.js';

function detailOf(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const toEntry = (r: Selectable<AuditLogTable>): AuditEntry => ({
  id: Number(r.id),
  at: Number(r.at),
  actor: r.actor,
  actorId: r.actor_id as AccountId | null,
  address: r.address,
  via: r.via === 'self' ? 'self' : 'admin',
  action: r.action,
  target: r.target,
  targetAccount: r.target_account,
  targetDomain: r.target_domain,
  status: Number(r.status),
  outcome: r.outcome,
  detail: detailOf(r.detail),
});

export class SqlAuditRepo implements AuditRepo {
  constructor(private readonly ctx: SqlContext) {}

  async insert(e: NewAuditEntry): Promise<void> {
    await this.ctx.db.insertInto('audit_log').values({
      at: e.at, actor: e.actor, actor_id: e.actorId, address: e.address, via: e.via, action: e.action, target: e.target,
      target_account: e.targetAccount, target_domain: e.targetDomain, status: e.status, outcome: e.outcome, detail: JSON.stringify(e.detail),
    }).execute();
  }

  async list(q: AuditQuery): Promise<AuditEntry[]> {
    let s = this.ctx.db.selectFrom('audit_log').selectAll();
    if (q.account !== undefined) s = s.where('target_account', '=', q.account);
    if (q.actor !== undefined) s = s.where('actor', '=', q.actor);
    if (q.since !== undefined) s = s.where('at', '>=', q.since);
    if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
    const v = q.visibleTo;
    if (v !== undefined) {
      // As canManageAccount: a delegated admin's domains, but never what concerns a global admin's account.
      s = s.where((eb) => eb.or([
        ...(v.domains.length > 0
          ? [eb.and([
              eb('target_domain', 'in', [...v.domains]),
              eb.or([eb('target_account', 'is', null), eb('target_account', 'not in', eb.selectFrom('accounts').select('email').where('is_global_admin', '=', 1))]),
            ])]
          : []),
        eb('actor', '=', v.ownActor),
      ]));
    }
    const rows = await s.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toEntry);
  }

  async prune(before: number): Promise<number> {
    const r = await this.ctx.db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
