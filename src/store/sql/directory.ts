// Domains and accounts, including delegated-admin grants.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { checkAccountAddress, checkDisplayText } from '../account-fields.js';
import { asAccountId, asDomainId, type AccountId, type DomainId } from '../../core/ids.js';
import { defaultFolders, PROFILE_FIELDS, type Account, type AccountPatch, type AccountProfile, type AccountRepo, type AccountStatus, type Domain, type DomainRepo, type NewAccount } from '../types.js';
import { bit, bool, translate, write, type SqlContext } from './context.js';
import { deleteOrphanBlobs } from './mailbox.js';
import type { AccountsTable, DomainsTable } from './schema.js';

const toDomain = (r: Selectable<DomainsTable>): Domain => ({ id: asDomainId(r.id), name: r.name, createdAt: Number(r.created_at) });

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** What an Account is read from: every column but the password hash and the change counter. */
export type AccountColumns = Omit<Selectable<AccountsTable>, 'password_hash' | 'modseq'>;

export function toAccount(r: AccountColumns): Account {
  return {
    id: asAccountId(r.id),
    domainId: asDomainId(r.domain_id),
    email: r.email,
    displayName: r.display_name,
    status: r.status as AccountStatus,
    mobileSyncEnabled: bool(r.mobile_sync_enabled),
    isGlobalAdmin: bool(r.is_global_admin),
    createdAt: Number(r.created_at),
    authVersion: Number(r.auth_version),
    profile: readProfile(r.profile),
  };
}

function readProfile(json: string | null | undefined): AccountProfile {
  let v: unknown;
  try {
    v = JSON.parse(json ?? '{}');
  } catch {
    return {};
  }
  const out: AccountProfile = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const k of PROFILE_FIELDS) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'string' && x) out[k] = x;
  }
  return out;
}

export class SqlDomainRepo implements DomainRepo {
  constructor(private readonly ctx: SqlContext) {}

  async create(name: string): Promise<Domain> {
    const row = { id: randomUUID(), name: name.toLowerCase(), created_at: Date.now() };
    try {
      await this.ctx.db.insertInto('domains').values(row).execute();
    } catch (e) {
      translate(e, `domain ${row.name}`);
    }
    return toDomain(row);
  }

  async getByName(name: string): Promise<Domain | null> {
    const r = await this.ctx.db.selectFrom('domains').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
    return r ? toDomain(r) : null;
  }

  async getById(id: DomainId): Promise<Domain | null> {
    const r = await this.ctx.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toDomain(r) : null;
  }

  async list(): Promise<Domain[]> {
    return (await this.ctx.db.selectFrom('domains').selectAll().orderBy('name').execute()).map(toDomain);
  }

  async delete(name: string): Promise<void> {
    await write(this.ctx, async (db) => {
      const d = await db.selectFrom('domains').select('id').where('name', '=', name.toLowerCase()).executeTakeFirst();
      if (!d) throw new StoreError('not-found', `domain ${name} not found`);
      const used = await db.selectFrom('accounts').select('id').where('domain_id', '=', d.id).limit(1).executeTakeFirst();
      if (used) throw new StoreError('conflict', `domain ${name} still has accounts`);
      await db.deleteFrom('domains').where('id', '=', d.id).execute();
    });
  }
}

export class SqlAccountRepo implements AccountRepo {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewAccount): Promise<Account> {
    const email = normalizeEmail(input.email);
    checkAccountAddress(email);
    if (input.displayName !== undefined) checkDisplayText(input.displayName, 'displayName');
    const domainName = email.slice(email.lastIndexOf('@') + 1);
    return write(this.ctx, async (db) => {
      const domain = await db.selectFrom('domains').select('id').where('name', '=', domainName).executeTakeFirst();
      if (!domain) throw new StoreError('not-found', `domain ${domainName} not found`);
      const now = Date.now();
      const row = {
        id: randomUUID(),
        domain_id: domain.id,
        email,
        display_name: input.displayName ?? '',
        password_hash: input.passwordHash,
        status: input.status ?? 'active',
        mobile_sync_enabled: bit(input.mobileSyncEnabled ?? true),
        is_global_admin: bit(input.isGlobalAdmin ?? false),
        created_at: now,
        auth_version: 1,
        profile: '{}',
        // The default folders take modseqs 1..n, so a fresh account starts with a non-empty change log.
        modseq: defaultFolders.length,
      };
      try {
        await db.insertInto('accounts').values(row).execute();
      } catch (e) {
        translate(e, `account ${email}`);
      }
      let seq = 0;
      for (const f of defaultFolders) {
        seq++;
        const folder = await db
          .insertInto('folders')
          .values({ account_id: row.id, parent_id: null, name: f.name, kind: f.kind, role: f.role, modseq: seq, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db.insertInto('changes')
          .values({ account_id: row.id, modseq: seq, kind: 'folder-added', folder_id: Number(folder.id), item_id: null, from_folder_id: null })
          .execute();
      }
      return toAccount(row);
    });
  }

  async getById(id: AccountId): Promise<Account | null> {
    const r = await this.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async getByEmail(email: string): Promise<Account | null> {
    const r = await this.ctx.db.selectFrom('accounts').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async getAuthRecord(email: string): Promise<{ account: Account; passwordHash: string } | null> {
    const r = await this.ctx.db.selectFrom('accounts').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return r ? { account: toAccount(r), passwordHash: r.password_hash } : null;
  }

  async list(options: { domainId?: DomainId } = {}): Promise<Account[]> {
    let q = this.ctx.db.selectFrom('accounts').selectAll();
    if (options.domainId) q = q.where('domain_id', '=', options.domainId);
    return (await q.orderBy('email').execute()).map(toAccount);
  }

  async count(): Promise<number> {
    const r = await this.ctx.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: AccountId, patch: AccountPatch): Promise<Account> {
    const set: Partial<{ display_name: string; status: string; mobile_sync_enabled: number; is_global_admin: number; profile: string }> = {};
    if (patch.displayName !== undefined) {
      checkDisplayText(patch.displayName, 'displayName');
      set.display_name = patch.displayName;
    }
    if (patch.profile !== undefined) {
      const current = await this.getById(id);
      if (!current) throw new StoreError('not-found', 'account not found');
      const merged: AccountProfile = { ...current.profile };
      for (const k of PROFILE_FIELDS) {
        const v = patch.profile[k];
        if (v === undefined) continue;
        if (v === '') delete merged[k];
        else {
          checkDisplayText(v, k);
          merged[k] = v;
        }
      }
      set.profile = JSON.stringify(merged);
    }
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.mobileSyncEnabled !== undefined) set.mobile_sync_enabled = bit(patch.mobileSyncEnabled);
    if (patch.isGlobalAdmin !== undefined) set.is_global_admin = bit(patch.isGlobalAdmin);
    if (Object.keys(set).length > 0) {
      // A status change alters who may log in: bump auth_version so cached verifications are re-checked.
      const q = this.ctx.db.updateTable('accounts').set(set).where('id', '=', id);
      const bumped = patch.status !== undefined ? q.set((eb) => ({ auth_version: eb('auth_version', '+', 1) })) : q;
      const res = await bumped.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new StoreError('not-found', 'account not found');
    }
    const a = await this.getById(id);
    if (!a) throw new StoreError('not-found', 'account not found');
    return a;
  }

  async setPasswordHash(id: AccountId, hash: string): Promise<void> {
    const res = await this.ctx.db
      .updateTable('accounts')
      .set((eb) => ({ password_hash: hash, auth_version: eb('auth_version', '+', 1) }))
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new StoreError('not-found', 'account not found');
  }

  async delete(id: AccountId): Promise<void> {
    await write(this.ctx, async (db) => {
      // Items go with their folders by cascade; sync state and devices with the account.
      await db.deleteFrom('sync_states').where('account_id', '=', id).execute();
      const res = await db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new StoreError('not-found', 'account not found');
      await deleteOrphanBlobs(db);
    });
  }

  async delegatedDomains(id: AccountId): Promise<DomainId[]> {
    const rows = await this.ctx.db.selectFrom('delegated_admins').select('domain_id').where('account_id', '=', id).execute();
    return rows.map((r) => asDomainId(r.domain_id));
  }

  async grantDelegatedAdmin(id: AccountId, domainId: DomainId): Promise<void> {
    try {
      await this.ctx.db.insertInto('delegated_admins').values({ account_id: id, domain_id: domainId })
        .onConflict((oc) => oc.columns(['account_id', 'domain_id']).doNothing()).execute();
    } catch (e) {
      translate(e, 'delegated admin grant');
    }
  }

  async revokeDelegatedAdmin(id: AccountId, domainId: DomainId): Promise<void> {
    await this.ctx.db.deleteFrom('delegated_admins').where('account_id', '=', id).where('domain_id', '=', domainId).execute();
  }
}
