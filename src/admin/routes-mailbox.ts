// Admin API: a mailbox's contacts and calendar in and out (vCard, iCalendar), for `carbonio mailbox
// importContacts / exportContacts / importCalendar / exportCalendar`. The file travels as a JSON string
// (`data`); these routes take bodies up to 64 MiB (a 1,000-contact address book with photos is a few MiB).
import type { FastifyInstance } from 'fastify';
import { exportCalendar, importCalendar } from '../pim/transfer-calendar.js';
import { exportContacts, importContacts } from '../pim/transfer.js';
import { asBody, optString, reqString } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';

type P = { Params: { email: string }; Querystring: { folder?: string } };

const BODY_LIMIT = 64 * 1024 * 1024;

export function registerMailboxRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.post<P>('/accounts/:email/contacts/import', { bodyLimit: BODY_LIMIT }, async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const r = await importContacts(store, a, reqString(b, 'data'), optString(b, 'folder'));
    deps.log.info({ event: 'contacts-imported', account: a.email, count: r.imported, by: p.account.email }, 'contacts imported');
    return { account: a.email, ...r };
  });

  app.get<P>('/accounts/:email/contacts/export', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, ...(await exportContacts(store, a, req.query.folder)) };
  });

  app.post<P>('/accounts/:email/calendar/import', { bodyLimit: BODY_LIMIT }, async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const r = await importCalendar(store, a, reqString(b, 'data'), optString(b, 'folder'));
    deps.log.info({ event: 'calendar-imported', account: a.email, count: r.imported, updated: r.updated, by: p.account.email }, 'calendar imported');
    return { account: a.email, ...r };
  });

  app.get<P>('/accounts/:email/calendar/export', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, ...(await exportCalendar(store, a, req.query.folder)) };
  });
}
