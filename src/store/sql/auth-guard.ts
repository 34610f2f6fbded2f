// Brute-force counters and familiar login sources (AuthGuardRepo) for both dialects. A failure is one
// atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), so any number of server processes
// count into the same row and none can miss another's failures. Stale rows are ignored by every read
// and deleted by prune().
import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import type { AuthGuardRepo, FamiliarSource, GuardCounter, GuardKey, GuardLimits, GuardNamespace, GuardScope } from '../types.js';
import type { SqlContext } from './context.js';
import type { AuthFailuresTable, DB } from './schema.js';

const toCounter = (r: Selectable<AuthFailuresTable>): GuardCounter => ({
  scope: r.scope as GuardScope,
  namespace: r.namespace as GuardNamespace,
  account: r.account,
  address: r.address,
  failures: Number(r.failures),
  windowStart: Number(r.window_start),
  lockedUntil: Number(r.locked_until),
});

type Eb = ExpressionBuilder<DB, 'auth_failures'>;

const keyMatch = (eb: Eb, k: GuardKey): Expression<SqlBool> => eb.and([
  eb('scope', '=', k.scope), eb('namespace', '=', k.namespace), eb('account', '=', k.account), eb('address', '=', k.address),
]);

/** Live: the window is still open or a lock is still running. */
const live = (eb: Eb, now: number, windowMs: number): Expression<SqlBool> =>
  eb.or([eb('window_start', '>', now - windowMs), eb('locked_until', '>', now)]);

export class SqlAuthGuardRepo implements AuthGuardRepo {
  constructor(private readonly ctx: SqlContext) {}

  async counters(keys: readonly GuardKey[], now: number, windowMs: number): Promise<GuardCounter[]> {
    if (keys.length === 0) return [];
    const rows = await this.ctx.db.selectFrom('auth_failures').selectAll()
      .where((eb) => eb.and([eb.or(keys.map((k) => keyMatch(eb, k))), live(eb, now, windowMs)]))
      .execute();
    return rows.map(toCounter);
  }

  async addFailure(key: GuardKey, now: number, limits: GuardLimits): Promise<GuardCounter> {
    const at = sql<number>`cast(${now} as bigint)`;
    // The existing row's window is over and it is not locked: this failure opens a new window.
    const restart = sql<SqlBool>`(auth_failures.window_start <= cast(${now - limits.windowMs} as bigint) and auth_failures.locked_until <= ${at})`;
    const next = sql<number>`(case when ${restart} then 1 else auth_failures.failures + 1 end)`;
    const row = await this.ctx.db.insertInto('auth_failures')
      .values({ ...columns(key), failures: 1, window_start: now, locked_until: limits.max <= 1 ? now + limits.lockMs : 0 })
      .onConflict((oc) => oc.columns(['scope', 'namespace', 'account', 'address']).doUpdateSet({
        failures: next,
        window_start: sql<number>`case when ${restart} then ${at} else auth_failures.window_start end`,
        // A running lock is never extended by the failures counted during it.
        locked_until: sql<number>`case when ${next} >= ${limits.max} and auth_failures.locked_until <= ${at}
          then cast(${now + limits.lockMs} as bigint) else auth_failures.locked_until end`,
      }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCounter(row);
  }

  async reset(key: GuardKey): Promise<void> {
    await this.ctx.db.deleteFrom('auth_failures').where((eb) => keyMatch(eb, key)).execute();
  }

  async list(filter: { account?: string; address?: string }, now: number, windowMs: number): Promise<GuardCounter[]> {
    let q = this.ctx.db.selectFrom('auth_failures').selectAll().where((eb) => live(eb, now, windowMs));
    if (filter.account !== undefined) q = q.where('account', '=', filter.account);
    if (filter.address !== undefined) q = q.where('address', '=', filter.address);
    const rows = await q.orderBy('scope').orderBy('namespace').orderBy('account').orderBy('address').execute();
    return rows.map(toCounter);
  }

  async clear(target: { account: string } | { address: string }): Promise<number> {
    const q = this.ctx.db.deleteFrom('auth_failures');
    const res = await ('account' in target ? q.where('account', '=', target.account) : q.where('address', '=', target.address)).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async lastSuccess(account: string, kind: FamiliarSource['kind'], value: string, since: number): Promise<number | null> {
    const r = await this.ctx.db.selectFrom('auth_familiar').select('last_success')
      .where('account', '=', account).where('kind', '=', kind).where('value', '=', value).where('last_success', '>=', since)
      .executeTakeFirst();
    return r ? Number(r.last_success) : null;
  }

  async recordSuccess(account: string, kind: FamiliarSource['kind'], value: string, at: number): Promise<void> {
    await this.ctx.db.insertInto('auth_familiar').values({ account, kind, value, last_success: at })
      .onConflict((oc) => oc.columns(['account', 'kind', 'value']).doUpdateSet({ last_success: at }))
      .execute();
  }

  async familiar(account: string, since: number): Promise<FamiliarSource[]> {
    const rows = await this.ctx.db.selectFrom('auth_familiar').selectAll()
      .where('account', '=', account).where('last_success', '>=', since)
      .orderBy('kind').orderBy('last_success', 'desc').execute();
    return rows.map((r) => ({ account: r.account, kind: r.kind as FamiliarSource['kind'], value: r.value, lastSuccess: Number(r.last_success) }));
  }

  async prune(now: number, windowMs: number, familiarSince: number): Promise<void> {
    await this.ctx.db.deleteFrom('auth_failures')
      .where('window_start', '<=', now - windowMs).where('locked_until', '<=', now).execute();
    await this.ctx.db.deleteFrom('auth_familiar').where('last_success', '<', familiarSince).execute();
  }
}

function columns(k: GuardKey): Pick<AuthFailuresTable, 'scope' | 'namespace' | 'account' | 'address'> {
  return { scope: k.scope, namespace: k.namespace, account: k.account, address: k.address };
}
