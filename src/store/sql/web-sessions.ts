// Web console sessions (WebSessionRepo) for both dialects. Rows are keyed by the SHA-256 of the
// cookie token; every server process sees the same sessions, so a load balancer may send a browser
// to any of them.
import type { Selectable } from 'kysely';
import { asAccountId, asCredentialId } from '../../core/ids.js';
import type { AccountId } from '../../core/ids.js';
import type { WebScope, WebSession, WebSessionRepo } from '../types.js';
import type { SqlContext } from './context.js';
import type { WebSessionsTable } from './schema.js';

const toSession = (r: Selectable<WebSessionsTable>): WebSession => ({
  idHash: r.id_hash,
  accountId: asAccountId(r.account_id),
  scope: r.scope as WebScope,
  credentialId: r.credential_id === null ? null : asCredentialId(r.credential_id),
  csrfSecret: r.csrf_secret,
  createdAt: Number(r.created_at),
  lastSeen: Number(r.last_seen),
  remoteAddress: r.remote_address,
  userAgent: r.user_agent,
});

export class SqlWebSessionRepo implements WebSessionRepo {
  constructor(private readonly ctx: SqlContext) {}

  async create(s: WebSession): Promise<void> {
    await this.ctx.db.insertInto('web_sessions').values({
      id_hash: s.idHash, account_id: s.accountId, scope: s.scope, credential_id: s.credentialId, csrf_secret: s.csrfSecret,
      created_at: s.createdAt, last_seen: s.lastSeen, remote_address: s.remoteAddress, user_agent: s.userAgent,
    }).execute();
  }

  async get(idHash: string): Promise<WebSession | null> {
    const r = await this.ctx.db.selectFrom('web_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r ? toSession(r) : null;
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.ctx.db.updateTable('web_sessions').set({ last_seen: at }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.ctx.db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteForAccount(accountId: AccountId): Promise<number> {
    const r = await this.ctx.db.deleteFrom('web_sessions').where('account_id', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async prune(idleBefore: number, createdBefore: number): Promise<number> {
    const r = await this.ctx.db.deleteFrom('web_sessions')
      .where((eb) => eb.or([eb('last_seen', '<', idleBefore), eb('created_at', '<', createdBefore)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
