// Admin API for ABQ (issue 15 part 1, carbonio-features.md 3.5 `carbonio mobile ABQ ...` and
// set/get/deleteABQMessage). Global admins act on everything; a delegated admin only on entries of
// accounts of his domains (never device-wide ones), on his domains' rules and messages, never on the
// global ones or the notification interval (403).
//   GET    /abq/devices[?status=S]                        the control list
//   PUT    /abq/devices/:deviceId {status, account?}      set / allow / block
//   DELETE /abq/devices/:deviceId[?account=A]             remove from the list
//   POST   /abq/import {status, lines: ["dev", "dev/account", ...]}   -> {added}
//   GET    /abq/rules[?domain=d]   PUT /abq/rules {regex, status, order, domain?}   DELETE /abq/rules?regex=&domain=
//   GET    /abq/notification-interval   PUT /abq/notification-interval {interval: 45m|6h|1d|0}
//   GET    /abq/messages?kind=&locale=[&domain=d]   PUT /abq/messages {kind, locale, domain?, from?, reply_to?, subject?, body_plain?, body_html?}
//   DELETE /abq/messages?kind=&locale=[&domain=d]    POST /abq/messages/duplicate {kind, from, to, domain?}
import type { FastifyInstance } from 'fastify';
import type { AccountId, DomainId } from '../core/ids.js';
import { parseStatus, reapply } from '../devices/abq.js';
import { deleteEntry, deleteMessage, deleteRule, duplicateMessage, importEntries, parseDeviceId, setEntry, setMessage, setRule } from '../devices/abq-control.js';
import { MESSAGE_FIELDS, noticeFor, parseKind, parseLocale, type MessageField } from '../devices/abq-message.js';
import { formatInterval, NOTIFY_KEY, parseInterval } from '../devices/abq-notify.js';
import type { AbqEntry, AbqMessage, AbqMessageKind, AbqRule } from '../store/abq-types.js';
import type { Account } from '../store/types.js';
import { asBody, optString, reqString } from './body.js';
import { authenticate, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest, forbidden } from './http-errors.js';
import { canManageAccount, isGlobal, requireGlobal, type Principal } from './policy.js';
import { isoTime } from './views.js';

type Q = Record<string, string | undefined>;
const MAX_IMPORT_LINES = 10_000;

export function registerAbqRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  /** Account names by id, and domain names by id, for the answers. */
  const names = async () => {
    const [accounts, domains] = await Promise.all([store.accounts.list(), store.domains.list()]);
    return { accounts: new Map<string, Account>(accounts.map((a) => [a.id, a])), domains: new Map<string, string>(domains.map((d) => [d.id, d.name])) };
  };
  const entryView = (e: AbqEntry, accounts: Map<string, Account>) => ({
    device_id: e.deviceId, account: e.accountId === null ? 'all' : (accounts.get(e.accountId)?.email ?? e.accountId), status: e.status,
    origin: e.origin, changedBy: e.updatedBy, changedAt: isoTime(e.updatedAt),
  });
  const ruleView = (r: AbqRule, domains: Map<string, string>) => ({
    regex: r.pattern, status: r.status, order: r.order, domain: r.domainId === null ? 'global' : (domains.get(r.domainId) ?? r.domainId), createdBy: r.createdBy,
  });
  const messageView = (m: AbqMessage, domains: Map<string, string>, stored: boolean) => ({
    scope: m.domainId === null ? 'global' : (domains.get(m.domainId) ?? m.domainId), kind: m.kind, locale: m.locale, stored,
    from: m.from, reply_to: m.replyTo, subject: m.subject, body_plain: m.bodyPlain, body_html: m.bodyHtml,
  });

  /** The account named in a request (`account`), if any, checked against the principal; none: global admins only. */
  const targetAccount = async (p: Principal, name: string | undefined): Promise<Account | null> => {
    if (name === undefined || name === '') {
      requireGlobal(p);
      return null;
    }
    const byId = await store.accounts.getById(name as AccountId);
    if (byId) {
      if (!canManageAccount(p, byId)) throw forbidden();
      return byId;
    }
    return manageableAccount(deps, p, name.toLowerCase());
  };

  /** The domain a rule or message is for (`domain`): none is the global one (global admins only). */
  const targetDomain = async (p: Principal, name: string | undefined): Promise<DomainId | null> => {
    if (name === undefined || name === '' || name.toLowerCase() === 'global') {
      requireGlobal(p);
      return null;
    }
    return (await manageableDomain(deps, p, name.toLowerCase())).id;
  };

  app.get<{ Querystring: Q }>('/abq/devices', async (req) => {
    const p = await authenticate(deps, req);
    const status = req.query.status ? parseStatus(req.query.status) : undefined;
    const { accounts } = await names();
    const visible = (e: AbqEntry): boolean => {
      if (isGlobal(p)) return true;
      const a = e.accountId === null ? undefined : accounts.get(e.accountId);
      return a !== undefined && canManageAccount(p, a);
    };
    return { devices: (await store.abq.list(status)).filter(visible).map((e) => entryView(e, accounts)) };
  });

  app.put<{ Params: { deviceId: string } }>('/abq/devices/:deviceId', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    const deviceId = parseDeviceId(req.params.deviceId);
    const status = parseStatus(reqString(body, 'status'));
    const account = await targetAccount(p, optString(body, 'account'));
    const r = await setEntry(store, deviceId, account?.id ?? null, status, p.account.email);
    deps.log.info({ event: 'abq-set', deviceId, account: account?.email ?? 'all', status, previous: r.previous?.status, moved: r.devices.filter((d) => d.moved).length, by: p.account.email }, 'ABQ status set');
    const { accounts } = await names();
    return {
      device: entryView(r.entry, accounts), previous: r.previous?.status ?? null,
      devices: r.devices.map((d) => ({ account: d.account.email, status: d.status, reset: d.moved })),
    };
  });

  app.delete<{ Params: { deviceId: string }; Querystring: Q }>('/abq/devices/:deviceId', async (req) => {
    const p = await authenticate(deps, req);
    const deviceId = parseDeviceId(req.params.deviceId);
    const account = await targetAccount(p, req.query.account);
    const r = await deleteEntry(store, deviceId, account?.id ?? null);
    deps.log.info({ event: 'abq-delete', deviceId, account: account?.email ?? 'all', previous: r.previous.status, by: p.account.email }, 'ABQ entry removed');
    return { deleted: { device_id: deviceId, account: account?.email ?? 'all', status: r.previous.status }, devices: r.devices.map((d) => ({ account: d.account.email, status: d.status, reset: d.moved })) };
  });

  app.post('/abq/import', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    const status = parseStatus(reqString(body, 'status'));
    const lines = body.lines;
    if (!Array.isArray(lines) || !lines.every((l): l is string => typeof l === 'string')) throw badRequest('"lines" must be a list of strings (device_id or device_id/account)');
    const wanted = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    if (wanted.length > MAX_IMPORT_LINES) throw badRequest(`at most ${MAX_IMPORT_LINES} lines per import`);
    const entries: Array<{ deviceId: ReturnType<typeof parseDeviceId>; accountId: AccountId | null }> = [];
    for (const [i, l] of wanted.entries()) {
      const slash = l.indexOf('/');
      const at = (msg: string) => badRequest(`line ${i + 1} ("${l.slice(0, 60)}"): ${msg}`);
      let deviceId;
      try {
        deviceId = parseDeviceId(slash < 0 ? l : l.slice(0, slash));
      } catch (err) {
        throw at(err instanceof Error ? err.message : 'invalid device id');
      }
      const account = slash < 0 ? await targetAccount(p, undefined) : await targetAccount(p, l.slice(slash + 1));
      entries.push({ deviceId, accountId: account?.id ?? null });
    }
    const added = await importEntries(store, entries, status, `import by ${p.account.email}`);
    deps.log.info({ event: 'abq-import', added, status, by: p.account.email }, 'ABQ import');
    return { added, status };
  });

  app.get<{ Querystring: Q }>('/abq/rules', async (req) => {
    const p = await authenticate(deps, req);
    const { domains } = await names();
    let rules = await store.abq.rules();
    if (req.query.domain) {
      const d = req.query.domain.toLowerCase() === 'global' ? await targetDomain(p, undefined) : await targetDomain(p, req.query.domain);
      rules = rules.filter((r) => r.domainId === d);
    } else if (!isGlobal(p)) {
      rules = rules.filter((r) => r.domainId !== null && p.domains.has(r.domainId));
    }
    return { rules: rules.map((r) => ruleView(r, domains)) };
  });

  app.put('/abq/rules', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    const pattern = reqString(body, 'regex');
    const status = parseStatus(reqString(body, 'status'));
    const rawOrder = body.order;
    const order = typeof rawOrder === 'number' ? rawOrder : typeof rawOrder === 'string' && /^\d{1,7}$/.test(rawOrder) ? Number(rawOrder) : NaN;
    if (Number.isNaN(order)) throw badRequest('"order" must be a whole number');
    const domainId = await targetDomain(p, optString(body, 'domain'));
    const rule = await setRule(store, { domainId, pattern, status, order, createdBy: p.account.email });
    const moved = await reapply(store, domainId ? { kind: 'domain', id: domainId } : { kind: 'global' });
    deps.log.info({ event: 'abq-rule-set', regex: pattern, status, order, domainId, moved, by: p.account.email }, 'ABQ rule set');
    return { rule: ruleView(rule, (await names()).domains), moved };
  });

  app.delete<{ Querystring: Q }>('/abq/rules', async (req) => {
    const p = await authenticate(deps, req);
    const pattern = req.query.regex;
    if (!pattern) throw badRequest('"regex" is required');
    const domainId = await targetDomain(p, req.query.domain);
    await deleteRule(store, domainId, pattern);
    const moved = await reapply(store, domainId ? { kind: 'domain', id: domainId } : { kind: 'global' });
    deps.log.info({ event: 'abq-rule-deleted', regex: pattern, domainId, moved, by: p.account.email }, 'ABQ rule deleted');
    return { deleted: { regex: pattern }, moved };
  });

  app.get('/abq/notification-interval', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const raw = Number((await store.settings.get('global', NOTIFY_KEY)) ?? '0');
    return { interval: formatInterval(Number.isSafeInteger(raw) && raw > 0 ? raw : 0), ms: raw > 0 ? raw : 0 };
  });

  app.put('/abq/notification-interval', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const ms = parseInterval(reqString(asBody(req.body), 'interval'));
    await store.settings.set('global', NOTIFY_KEY, String(ms));
    deps.log.info({ event: 'setting-changed', key: NOTIFY_KEY, value: ms, by: p.account.email }, 'setting changed');
    return { interval: formatInterval(ms), ms };
  });

  const messageKey = async (p: Principal, q: { domain?: string | undefined; kind?: string | undefined; locale?: string | undefined }) => {
    if (!q.kind) throw badRequest('"kind" (blocked or quarantined) is required');
    if (!q.locale) throw badRequest('"locale" (default, all or a locale) is required');
    return { domainId: await targetDomain(p, q.domain), kind: parseKind(q.kind), locale: parseLocale(q.locale) };
  };

  app.get<{ Querystring: Q }>('/abq/messages', async (req) => {
    const p = await authenticate(deps, req);
    const key = await messageKey(p, req.query);
    const { domains } = await names();
    const kinds: AbqMessageKind[] = [key.kind];
    const stored = (await store.abq.messages()).filter((m) => m.domainId === key.domainId && kinds.includes(m.kind) && (key.locale === 'all' || m.locale === key.locale));
    const out = stored.map((m) => messageView(m, domains, true));
    // What devices get when nothing is stored for default: the built-in text (or, for a domain, the global one).
    if (key.locale === 'default' && stored.length === 0) {
      const eff = await noticeFor(store, key.domainId ?? ('' as DomainId), key.kind, undefined);
      out.push(messageView({ ...eff, domainId: key.domainId }, domains, false));
    }
    return { messages: out };
  });

  app.put('/abq/messages', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    const key = await messageKey(p, { domain: optString(body, 'domain'), kind: optString(body, 'kind'), locale: optString(body, 'locale') });
    const fields: Partial<Record<MessageField, string>> = {};
    for (const f of MESSAGE_FIELDS) {
      const v = optString(body, f);
      if (v !== undefined) fields[f] = v;
    }
    const m = await setMessage(store, key, fields);
    deps.log.info({ event: 'abq-message-set', domainId: key.domainId, kind: key.kind, locale: key.locale, by: p.account.email }, 'ABQ message set');
    return { message: messageView(m, (await names()).domains, true) };
  });

  app.post('/abq/messages/duplicate', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    const key = await messageKey(p, { domain: optString(body, 'domain'), kind: optString(body, 'kind'), locale: 'default' });
    const m = await duplicateMessage(store, key, parseLocale(reqString(body, 'from')), parseLocale(reqString(body, 'to')));
    deps.log.info({ event: 'abq-message-set', domainId: key.domainId, kind: key.kind, locale: m.locale, by: p.account.email }, 'ABQ message duplicated');
    return { message: messageView(m, (await names()).domains, true) };
  });

  app.delete<{ Querystring: Q }>('/abq/messages', async (req) => {
    const p = await authenticate(deps, req);
    const key = await messageKey(p, req.query);
    await deleteMessage(store, key.domainId, key.kind, key.locale);
    deps.log.info({ event: 'abq-message-deleted', domainId: key.domainId, kind: key.kind, locale: key.locale, by: p.account.email }, 'ABQ message deleted');
    return { deleted: { kind: key.kind, locale: key.locale } };
  });
}
