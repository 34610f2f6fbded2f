// Service credentials (Carbonio Auth): only the hash is stored; every change bumps the account's
// auth_version so that verification caches on every node re-check at once.
import { randomInt } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asAccountId, asCredentialId, type AccountId, type CredentialId } from '../../core/ids.js';
import type { Credential, CredentialPatch, CredentialRepo, NewCredential, Service } from '../types.js';
import { bit, bool, write, type SqlContext } from './context.js';
import type { CredentialsTable, DB } from './schema.js';

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const newId = (): string => Array.from({ length: 5 }, () => idAlphabet[randomInt(idAlphabet.length)]).join('');

const toCredential = (r: Selectable<CredentialsTable>): Credential => ({
  id: asCredentialId(r.id),
  accountId: asAccountId(r.account_id),
  label: r.label,
  services: r.services.split(',').filter(Boolean) as Service[],
  hash: r.hash,
  enabled: bool(r.enabled),
  generated: bool(r.generated),
  qrcode: bool(r.qrcode),
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

async function bumpAuthVersion(db: Kysely<DB>, accountId: AccountId): Promise<void> {
  const res = await db.updateTable('accounts').set((eb) => ({ auth_version: eb('auth_version', '+', 1) }))
    .where('id', '=', accountId).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new StoreError('not-found', 'account not found');
}

export class SqlCredentialRepo implements CredentialRepo {
  constructor(private readonly ctx: SqlContext) {}

  create(input: NewCredential): Promise<Credential> {
    return write(this.ctx, async (db) => {
      await bumpAuthVersion(db, input.accountId);
      const taken = new Set((await db.selectFrom('credentials').select('id').where('account_id', '=', input.accountId).execute()).map((r) => r.id));
      let id = newId();
      while (taken.has(id)) id = newId();
      const row = {
        account_id: input.accountId,
        id,
        label: input.label,
        services: input.services.join(','),
        hash: input.hash,
        enabled: 1,
        generated: bit(input.generated),
        qrcode: bit(input.qrcode),
        created_at: Date.now(),
        last_used_at: null,
      };
      await db.insertInto('credentials').values(row).execute();
      return toCredential(row);
    });
  }

  async list(accountId: AccountId): Promise<Credential[]> {
    const rows = await this.ctx.db.selectFrom('credentials').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toCredential);
  }

  async get(accountId: AccountId, id: CredentialId): Promise<Credential | null> {
    const r = await this.ctx.db.selectFrom('credentials').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    return r ? toCredential(r) : null;
  }

  update(accountId: AccountId, id: CredentialId, patch: CredentialPatch): Promise<Credential> {
    return write(this.ctx, async (db) => {
      const set: Partial<{ label: string; enabled: number; services: string }> = {};
      if (patch.label !== undefined) set.label = patch.label;
      if (patch.enabled !== undefined) set.enabled = bit(patch.enabled);
      if (patch.services !== undefined) set.services = patch.services.join(',');
      if (Object.keys(set).length > 0) {
        const res = await db.updateTable('credentials').set(set).where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) throw new StoreError('not-found', `credential ${id} not found`);
        await bumpAuthVersion(db, accountId);
      }
      const r = await db.selectFrom('credentials').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (!r) throw new StoreError('not-found', `credential ${id} not found`);
      return toCredential(r);
    });
  }

  delete(accountId: AccountId, id: CredentialId): Promise<void> {
    return write(this.ctx, async (db) => {
      const res = await db.deleteFrom('credentials').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new StoreError('not-found', `credential ${id} not found`);
      await bumpAuthVersion(db, accountId);
    });
  }

  async touchLastUsed(accountId: AccountId, id: CredentialId, at: number): Promise<void> {
    await this.ctx.db.updateTable('credentials').set({ last_used_at: at }).where('account_id', '=', accountId).where('id', '=', id).execute();
  }
}
