// Admin API: domains, accounts, passwords and roles (JSON under /api/admin).
import type { FastifyInstance } from 'fastify';
import { isValidDomain } from '../config.js';
import { checkAccountAddress } from '../store/account-fields.js';
import { accountStatuses, PROFILE_FIELDS, type AccountPatch, type AccountStatus } from '../store/types.js';
import { asBody, optBool, optString, reqString } from './body.js';
import { authenticate, domainNames, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest } from './http-errors.js';
import { isGlobal, requireGlobal } from './policy.js';
import { accountView, domainView } from './views.js';

type P<T extends string> = { Params: Record<T, string> };

export function registerDirectoryRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, directory } = deps;
  const view = async (a: Parameters<typeof accountView>[0]) => accountView(a, await domainNames(store, await store.accounts.delegatedDomains(a.id)));

  app.get('/domains', async (req) => {
    const p = await authenticate(deps, req);
    const all = await store.domains.list();
    return { domains: all.filter((d) => isGlobal(p) || p.domains.has(d.id)).map(domainView) };
  });

  app.post('/domains', async (req, reply) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const name = reqString(asBody(req.body), 'name').toLowerCase();
    if (!isValidDomain(name)) throw badRequest(`not a domain name: ${name}`);
    const d = await store.domains.create(name);
    void reply.code(201);
    return { domain: domainView(d) };
  });

  app.delete<P<'name'>>('/domains/:name', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    await store.domains.delete(req.params.name);
    return { deleted: req.params.name.toLowerCase() };
  });

  app.get<{ Querystring: { domain?: string } }>('/accounts', async (req) => {
    const p = await authenticate(deps, req);
    let accounts;
    if (req.query.domain) {
      const d = await manageableDomain(deps, p, req.query.domain);
      accounts = await store.accounts.list({ domainId: d.id });
    } else {
      accounts = (await store.accounts.list()).filter((a) => isGlobal(p) || p.domains.has(a.domainId));
    }
    return { accounts: await Promise.all(accounts.map(view)) };
  });

  app.post('/accounts', async (req, reply) => {
    const p = await authenticate(deps, req);
    const b = asBody(req.body);
    const email = reqString(b, 'email').trim().toLowerCase();
    // The syntax first: a malformed address is a 400 whether or not its domain exists.
    checkAccountAddress(email);
    // Throws unless the caller may manage the address's domain (a delegated admin: his domains only).
    await manageableDomain(deps, p, email.slice(email.lastIndexOf('@') + 1));
    const displayName = optString(b, 'displayName');
    const a = await directory.createAccount({ email, password: reqString(b, 'password'), ...(displayName !== undefined ? { displayName } : {}) });
    void reply.code(201);
    return { account: await view(a) };
  });

  app.get<P<'email'>>('/accounts/:email', async (req) => {
    const p = await authenticate(deps, req);
    return { account: await view(await manageableAccount(deps, p, req.params.email)) };
  });

  app.patch<P<'email'>>('/accounts/:email', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const patch: AccountPatch = {};
    const displayName = optString(b, 'displayName');
    if (displayName !== undefined) patch.displayName = displayName;
    const status = optString(b, 'status');
    if (status !== undefined) {
      if (!accountStatuses.includes(status as AccountStatus)) throw badRequest(`status must be one of ${accountStatuses.join(', ')}`);
      patch.status = status as AccountStatus;
    }
    const mobile = optBool(b, 'mobileSyncEnabled');
    if (mobile !== undefined) patch.mobileSyncEnabled = mobile;
    // The address-book fields (GAL): each a string, '' removes it.
    for (const k of PROFILE_FIELDS) {
      const v = optString(b, k);
      if (v !== undefined) patch.profile = { ...patch.profile, [k]: v.trim() };
    }
    if (Object.keys(patch).length === 0) throw badRequest(`nothing to change: give displayName, status, mobileSyncEnabled or one of ${PROFILE_FIELDS.join(', ')}`);
    if (a.id === p.account.id && patch.status !== undefined && patch.status !== 'active') throw badRequest('you cannot lock or close your own account');
    return { account: await view(await store.accounts.update(a.id, patch)) };
  });

  app.put<P<'email'>>('/accounts/:email/password', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    await directory.setPassword(a.id, reqString(asBody(req.body), 'password'));
    return { account: await view(a), passwordChanged: true };
  });

  app.delete<P<'email'>>('/accounts/:email', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    if (a.id === p.account.id) throw badRequest('you cannot delete your own account');
    await store.accounts.delete(a.id);
    return { deleted: a.email };
  });

  app.put<P<'email' | 'domain'>>('/accounts/:email/delegated-domains/:domain', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const a = await manageableAccount(deps, p, req.params.email);
    const d = await manageableDomain(deps, p, req.params.domain);
    await store.accounts.grantDelegatedAdmin(a.id, d.id);
    return { account: await view(a) };
  });

  app.delete<P<'email' | 'domain'>>('/accounts/:email/delegated-domains/:domain', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const a = await manageableAccount(deps, p, req.params.email);
    const d = await manageableDomain(deps, p, req.params.domain);
    await store.accounts.revokeDelegatedAdmin(a.id, d.id);
    return { account: await view(a) };
  });

  app.put<P<'email'>>('/accounts/:email/global-admin', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const a = await manageableAccount(deps, p, req.params.email);
    const value = optBool(asBody(req.body), 'value');
    if (value === undefined) throw badRequest('"value" (true or false) is required');
    if (a.id === p.account.id && !value) throw badRequest('you cannot remove your own global admin role');
    return { account: await view(await store.accounts.update(a.id, { isGlobalAdmin: value })) };
  });
}
