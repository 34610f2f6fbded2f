// Admin API: EAS version filters (issue 15, Carbonio's getAllEASFilters / doAddEASFilter /
// doDeleteEASFilter / doMoveEASFilter), global admin only: a filter applies to every account of the
// installation, so a delegated admin gets 403 saying so.
//   GET    /eas-filters                    {filters: [...]} in evaluation order
//   POST   /eas-filters {type, parameter, mode, versions, blocking?}  201 {filter}; 400 names what is wrong
//   DELETE /eas-filters/:id                {deleted: filter}; 404 when there is no such ID
//   POST   /eas-filters/move {from, to}    {filters} after moving the filter at position `from` to `to`
// Rules, modes and evaluation: src/devices/eas-filters.ts. Changes apply at once on this server and
// within 5 s on the others. Each change logs one line naming who made it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addEasFilter, deleteEasFilter, filterView, moveEasFilter } from '../devices/eas-filters.js';
import { namedTargets, type Rule } from '../devices/eas-filter-rules.js';
import { asBody, optBool, reqString, type Body } from './body.js';
import { authenticate, type AdminDeps } from './context.js';
import { badRequest, HttpError, notFound } from './http-errors.js';
import { isGlobal, type Principal } from './policy.js';

async function globalAdmin(deps: AdminDeps, req: FastifyRequest): Promise<Principal> {
  const p = await authenticate(deps, req);
  if (!isGlobal(p)) throw new HttpError(403, 'forbidden', 'EAS version filters apply to the whole installation: only a global admin may see or change them');
  return p;
}

/** A whole number as typed (JSON number or string), else 400 naming the field. */
function wholeNumber(v: unknown, what: string): number {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d{1,9}$/.test(s)) throw badRequest(`${what} must be a whole number from 0 up`);
  return Number(s);
}

function versionsOf(b: Body): string | string[] {
  const v = b.versions;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  throw badRequest('"versions" is required: a comma list such as "14.0,14.1" or an array of versions');
}

export function registerEasFilterRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  /** The accounts and domains a rule names must exist: a typo would otherwise silently match nobody. */
  const checkTargets = async (rule: Rule): Promise<void> => {
    const { accounts, domains } = namedTargets(rule);
    for (const a of accounts) if (!(await store.accounts.getByEmail(a))) throw notFound(`account ${a}`);
    for (const d of domains) if (!(await store.domains.getByName(d))) throw notFound(`domain ${d}`);
  };

  app.get('/eas-filters', async (req) => {
    await globalAdmin(deps, req);
    return { filters: (await store.easFilters.list()).map(filterView) };
  });

  app.post('/eas-filters', async (req, reply) => {
    const p = await globalAdmin(deps, req);
    const b = asBody(req.body);
    const input = {
      type: reqString(b, 'type'), parameter: reqString(b, 'parameter'), mode: reqString(b, 'mode'), versions: versionsOf(b), blocking: optBool(b, 'blocking') ?? false,
    };
    const filter = filterView(await addEasFilter(store, input, checkTargets));
    deps.log.info({ event: 'eas-filter-added', id: filter.id, rule: filter.rule, mode: filter.mode, versions: filter.easversions, blocking: filter.blocking, by: p.account.email }, 'EAS filter added');
    return reply.code(201).send({ filter });
  });

  app.delete<{ Params: { id: string } }>('/eas-filters/:id', async (req) => {
    const p = await globalAdmin(deps, req);
    if (!/^\d{1,9}$/.test(req.params.id)) throw notFound(`EAS filter ${req.params.id.slice(0, 32)}`);
    const deleted = filterView(await deleteEasFilter(store, Number(req.params.id)));
    deps.log.info({ event: 'eas-filter-deleted', id: deleted.id, rule: deleted.rule, by: p.account.email }, 'EAS filter deleted');
    return { deleted };
  });

  app.post('/eas-filters/move', async (req) => {
    const p = await globalAdmin(deps, req);
    const b = asBody(req.body);
    const from = wholeNumber(b.from, '"from"');
    const to = wholeNumber(b.to, '"to"');
    const filters = (await moveEasFilter(store, from, to)).map(filterView);
    deps.log.info({ event: 'eas-filter-moved', from, to, order: filters.map((f) => f.id), by: p.account.email }, 'EAS filter moved');
    return { filters };
  });
}
