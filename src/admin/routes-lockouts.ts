// Admin API: the brute-force counters (src/auth/login-guard.ts), shared by every server process.
//   GET    /auth/lockouts[?account=<email>][&address=<ip>]   counters, locks, and (by account) familiar sources
//   DELETE /auth/lockouts/accounts/:email                     clears an account's counters and locks
//   DELETE /auth/lockouts/addresses/:address                  clears an address's counters and blocks
// A global admin sees and clears everything. A delegated admin works on accounts of his domains only,
// and sees only those accounts' own counters, never address-wide ones (they concern every domain).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FamiliarSource, GuardCounter } from '../store/types.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, forbidden } from './http-errors.js';
import { isGlobal, requireGlobal, type Principal } from './policy.js';
import { isoTime } from './views.js';

type Req = { Querystring: Record<string, string | undefined> };
type P<T extends string> = { Params: Record<T, string> };

const MAX_ADDRESS_LENGTH = 100;

export const counterView = (c: GuardCounter) => ({
  key: `${c.namespace}/${c.scope}/${[c.account, c.address].filter(Boolean).join(',')}`,
  namespace: c.namespace,
  scope: c.scope,
  account: c.account || null,
  address: c.address || null,
  failures: c.failures,
  since: isoTime(c.windowStart),
  lockedUntil: c.lockedUntil > Date.now() ? isoTime(c.lockedUntil) : null,
});

const familiarView = (f: FamiliarSource) => ({ kind: f.kind, value: f.value, lastSuccess: isoTime(f.lastSuccess) });

function address(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > MAX_ADDRESS_LENGTH || /\s/.test(raw)) throw badRequest('address must be a client address such as 192.0.2.7 or 2001:db8::7');
  return raw;
}

/** The account filter as counters store it (lower case); a delegated admin must be allowed to manage it. */
async function accountFilter(deps: AdminDeps, p: Principal, raw: string): Promise<string> {
  const email = raw.trim().toLowerCase();
  if (!email.includes('@')) throw badRequest('account must be an email address');
  // A global admin may look at counters of logins that name no existing account (a spray's targets).
  if (!isGlobal(p)) await manageableAccount(deps, p, email);
  return email;
}

export function registerLockoutRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const lockouts = deps.auth.lockouts;

  app.get<Req>('/auth/lockouts', async (req: FastifyRequest<Req>) => {
    const p = await authenticate(deps, req);
    const addr = address(req.query.address);
    if (!isGlobal(p) && req.query.account === undefined) throw forbidden();
    const account = req.query.account !== undefined ? await accountFilter(deps, p, req.query.account) : undefined;
    const r = await lockouts.list({ ...(account !== undefined ? { account } : {}), ...(addr !== undefined ? { address: addr } : {}) });
    const counters = isGlobal(p) ? r.counters : r.counters.filter((c) => c.scope !== 'address');
    return {
      lockouts: counters.map(counterView),
      ...(r.familiar ? { familiar: r.familiar.map(familiarView) } : {}),
    };
  });

  app.delete<P<'email'>>('/auth/lockouts/accounts/:email', async (req) => {
    const p = await authenticate(deps, req);
    const account = await accountFilter(deps, p, req.params.email);
    const cleared = await lockouts.clear({ account });
    deps.log.info({ event: 'lockout-cleared', account, cleared, by: p.account.email }, 'authentication counters cleared');
    return { account, cleared };
  });

  app.delete<P<'address'>>('/auth/lockouts/addresses/:address', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const addr = address(req.params.address);
    if (addr === undefined) throw badRequest('address is required');
    const cleared = await lockouts.clear({ address: addr });
    deps.log.info({ event: 'lockout-cleared', address: addr, cleared, by: p.account.email }, 'authentication counters cleared');
    return { address: addr, cleared };
  });
}
