// Admin API: per-account EAS loggers (issue 15 part 3; Carbonio's doAddAccountLogger, getAccountLoggers,
// doRemoveLogger; the operations are src/devices/account-loggers.ts):
//   GET    /mobile/loggers                  the active loggers the caller may see
//   POST   /mobile/loggers {account, level, file, windowSize?}   add, or renew the account's logger on that file
//   DELETE /mobile/loggers/:id              one logger; `all_loggers`: every logger the caller may manage
// A delegated admin sees, adds and removes loggers of accounts of his domains only (never of a global
// admin's account); another's logger by id is 403 like an unknown one would be to him. Each change logs
// one line naming who made it.
import type { FastifyInstance } from 'fastify';
import { addAccountLogger, listAccountLoggers, loggerDescription, removeAccountLoggers } from '../devices/account-loggers.js';
import type { AccountLogger } from '../store/types.js';
import { asBody, reqString } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { forbidden, notFound } from './http-errors.js';
import { canManageAccount, isGlobal, requireGlobal, type Principal } from './policy.js';
import { isoTime } from './views.js';

export const loggerView = (l: AccountLogger) => ({
  id: l.id, level: l.level.toUpperCase(), name: 'AccountLogger', description: loggerDescription(l),
  account: l.accountEmail, file: l.file, windowSize: l.windowSize, created: isoTime(l.createdAt), expires: isoTime(l.expiresAt),
  removeCommand: `carbonio mobile doRemoveLogger ${l.id}`,
});

/** The loggers among `all` the principal may manage (a delegated admin: accounts of his domains, not global admins). */
async function manageable(deps: AdminDeps, p: Principal, all: readonly AccountLogger[]): Promise<AccountLogger[]> {
  if (isGlobal(p)) return [...all];
  const out: AccountLogger[] = [];
  for (const l of all) {
    if (!p.domains.has(l.domainId)) continue;
    const a = await deps.store.accounts.getById(l.accountId);
    if (a && canManageAccount(p, a)) out.push(l);
  }
  return out;
}

export function registerAccountLoggerRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.get('/mobile/loggers', async (req) => {
    const p = await authenticate(deps, req);
    return { loggers: (await manageable(deps, p, await listAccountLoggers(store))).map(loggerView) };
  });

  app.post('/mobile/loggers', async (req) => {
    const p = await authenticate(deps, req);
    const b = asBody(req.body);
    const a = await manageableAccount(deps, p, reqString(b, 'account'));
    const { logger, renewed } = await addAccountLogger(store, deps.config.logDir, a, { level: b.level, file: b.file, windowSize: b.windowSize });
    deps.log.info({ event: 'account-logger-added', id: logger.id, account: a.email, level: logger.level, file: logger.file, windowSize: logger.windowSize, renewed, by: p.account.email },
      renewed ? 'account logger renewed' : 'account logger added');
    return { logger: loggerView(logger), renewed };
  });

  app.delete<{ Params: { id: string } }>('/mobile/loggers/:id', async (req) => {
    const p = await authenticate(deps, req);
    const all = await listAccountLoggers(store);
    let targets: AccountLogger[];
    if (req.params.id === 'all_loggers') targets = await manageable(deps, p, all);
    else {
      const id = /^[1-9]\d{0,15}$/.test(req.params.id) ? Number(req.params.id) : NaN;
      const l = all.find((x) => x.id === id);
      if (!l) {
        requireGlobal(p);
        throw notFound(`logger ${req.params.id.slice(0, 32)}`);
      }
      if ((await manageable(deps, p, [l])).length === 0) throw forbidden();
      targets = [l];
    }
    const removed = await removeAccountLoggers(store, targets.map((l) => l.id));
    deps.log.info({ event: 'account-logger-removed', ids: targets.map((l) => l.id), by: p.account.email }, 'account loggers removed');
    return { removed, loggers: targets.map(loggerView) };
  });
}
