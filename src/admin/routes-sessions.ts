// Admin API: the requests devices hold open right now (Ping, Sync with a wait), as the old NG CLI's
// getActiveSessions listed them: account, device, command, since, heartbeat.
//   GET /sessions[?account=<email>]   a global admin sees all, a delegated admin the accounts of his domains
// Held requests live in the server process that answers them: this lists the process that answers
// this call only (the answer names it). Several processes behind a balancer must each be asked.
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { AccountId } from '../core/ids.js';
import type { HeldRequest } from '../devices/sessions.js';
import type { Account } from '../store/types.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { canManageAccount } from './policy.js';
import { isoTime } from './views.js';

type Req = { Querystring: Record<string, string | undefined> };

export const sessionView = (s: HeldRequest, account: Account | null) => ({
  account: account?.email ?? s.accountId,
  device: s.deviceId,
  command: s.command,
  since: isoTime(s.since),
  heartbeat: s.heartbeat,
  endsBy: s.heartbeat === null ? null : isoTime(s.since + s.heartbeat * 1000),
});

export function registerSessionRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, sessions } = deps;

  app.get<Req>('/sessions', async (req) => {
    const p = await authenticate(deps, req);
    const email = req.query.account;
    const server = { hostname: os.hostname(), pid: process.pid, note: 'held requests of this server process only' };
    if (email !== undefined && email !== '') {
      const a = await manageableAccount(deps, p, email);
      return { server, account: a.email, sessions: sessions.list(a.id).map((s) => sessionView(s, a)) };
    }
    const held = sessions.list();
    const accounts = new Map<AccountId, Account | null>();
    for (const id of new Set(held.map((s) => s.accountId))) accounts.set(id, await store.accounts.getById(id));
    // A delegated admin sees the accounts he may manage; an account deleted meanwhile only a global admin sees.
    const visible = held.filter((s) => {
      const a = accounts.get(s.accountId) ?? null;
      return a ? canManageAccount(p, a) : p.account.isGlobalAdmin;
    });
    return { server, account: null, sessions: visible.map((s) => sessionView(s, accounts.get(s.accountId) ?? null)) };
  });
}
