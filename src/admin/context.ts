// Per-request admin context: the authenticated principal and the lookups every route needs,
// with the role checks applied where the target is resolved (so no route can forget them).
import type { Config } from '../config.js';
import { isProxyAddress } from '../core/addresses.js';
import type { FastifyRequest } from 'fastify';
import type { DirectoryService } from '../auth/directory-service.js';
import { isLockout, type Authenticator } from '../auth/types.js';
import { parseBasicAuth } from '../core/basic-auth.js';
import type { Logger } from '../core/logger.js';
import type { DeviceSessions } from '../devices/sessions.js';
import type { SyncSimulator } from '../devices/sync-simulation.js';
import type { Account, Domain, Store } from '../store/types.js';
import type { WebSessions } from '../auth/web-sessions.js';
import type { OnlineBackup } from '../store/backup-types.js';
import { forbidden, HttpError, notFound } from './http-errors.js';
import { sessionOf } from './session-auth.js';
import { noteActor } from './audit-hook.js';
import { canManageAccount, canManageDomain, isAdmin, type Principal } from './policy.js';

export interface AdminDeps {
  /** Held requests of devices (Ping, Sync with a wait), ended by device management. */
  sessions: DeviceSessions;
  store: Store;
  auth: Authenticator;
  directory: DirectoryService;
  log: Logger;
  /** Which client addresses are proxies' own (never locked out). */
  config: Pick<Config, 'trustedProxies' | 'logDir' | 'backupDir' | 'backupStepPages'>;
  /** Web console sessions: their cookie stands in for Basic auth. */
  webSessions: WebSessions;
  /** Runs the Sync engine for a device without it, changing nothing (doSimulateSync; src/eas/sync/simulate.ts). */
  simulateSync: SyncSimulator;
  /** SQLite's online backup (routes-backup.ts); absent or null on PostgreSQL. */
  onlineBackup?: OnlineBackup | null;
}

export async function authenticate(deps: AdminDeps, req: FastifyRequest): Promise<Principal> {
  // No Authorization header: the admin page's session cookie, if any.
  const account = req.headers.authorization === undefined ? (await sessionOf(deps.webSessions, req, 'admin')).account : await basicAdmin(deps, req);
  noteActor(req, account);
  const domains = new Set(await deps.store.accounts.delegatedDomains(account.id));
  const principal = { account, domains };
  if (!isAdmin(principal)) throw forbidden(`${account.email} is not an administrator`);
  return principal;
}

/**
 * The 403 of a delegated admin outside his domains: it names his domains and the one asked for (the
 * domain comes from the request, so it tells nothing about whether the account exists).
 */
async function outsideDomains(deps: AdminDeps, p: Principal, domain: string): Promise<HttpError> {
  const mine = await domainNames(deps.store, p.domains);
  return forbidden(`${p.account.email} is a delegated admin of ${mine.join(', ') || 'no domain'}, not of ${domain.toLowerCase()}`);
}

async function basicAdmin(deps: AdminDeps, req: FastifyRequest): Promise<Account> {
  const creds = parseBasicAuth(req.headers.authorization);
  if (!creds) throw new HttpError(401, 'unauthorized', 'authentication required');
  const r = await deps.auth.verify(creds.user, creds.pass, 'admin', { remoteAddress: req.ip, addressIsProxy: isProxyAddress(deps.config.trustedProxies, req.ip) });
  if (!r.ok) {
    // A locked-out admin learns when to retry (the reason itself, and who is counted, stay in the log).
    if (isLockout(r.reason) && r.lockedUntil !== undefined) {
      throw new HttpError(401, 'locked-out', `too many failed logins, retry after ${new Date(r.lockedUntil).toISOString()}`);
    }
    throw new HttpError(401, 'unauthorized', 'authentication failed');
  }
  return r.account;
}

/** The account named in the URL, if the principal may manage it. Unknown and forbidden look alike to a delegated admin outside his domains. */
export async function manageableAccount(deps: AdminDeps, p: Principal, email: string): Promise<Account> {
  const a = await deps.store.accounts.getByEmail(email);
  if (!a) {
    const domainName = email.slice(email.lastIndexOf('@') + 1);
    const domain = await deps.store.domains.getByName(domainName);
    if (!p.account.isGlobalAdmin && !(domain && canManageDomain(p, domain.id))) throw await outsideDomains(deps, p, domainName);
    throw notFound(`account ${email}`);
  }
  if (!canManageAccount(p, a)) {
    // Within his domains, only a global admin's account is out of reach.
    if (p.domains.has(a.domainId)) throw forbidden(`${p.account.email} is a delegated admin, and ${a.email} is a global admin`);
    throw await outsideDomains(deps, p, a.email.slice(a.email.lastIndexOf('@') + 1));
  }
  return a;
}

export async function manageableDomain(deps: AdminDeps, p: Principal, name: string): Promise<Domain> {
  const d = await deps.store.domains.getByName(name);
  if (!d) {
    if (!p.account.isGlobalAdmin) throw await outsideDomains(deps, p, name);
    throw notFound(`domain ${name}`);
  }
  if (!canManageDomain(p, d.id)) throw await outsideDomains(deps, p, d.name);
  return d;
}

export async function domainNames(store: Store, ids: Iterable<string>): Promise<string[]> {
  const all = await store.domains.list();
  const wanted = new Set(ids);
  return all.filter((d) => wanted.has(d.id)).map((d) => d.name);
}
