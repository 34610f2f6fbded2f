// What each changing route of the admin and self-service APIs is, for the audit trail (issue 17 part 3):
// its action name, its target (taken from the path, the query or the body), and which body fields are
// kept as detail. One table keyed by method and route path, so the routes stay as they are and the
// hook (audit-hook.ts) records them all in one place; a test compares it with Fastify's route table.
// `null`: the route changes nothing (doSimulateSync), so it is not recorded.
// Only the fields listed in `keep` are copied, and never one whose name looks like a secret.
import { PROFILE_FIELDS } from '../store/types.js';

export interface AuditTarget {
  target: string;
  account: string | null;
  domain: string | null;
}

/** What a route's request offers to the table (the parsed path, query and JSON body; `self`: the user). */
export interface AuditRequest {
  params: Readonly<Record<string, unknown>>;
  query: Readonly<Record<string, unknown>>;
  body: Readonly<Record<string, unknown>>;
  actor: string;
}

export interface AuditAction {
  action: string | ((r: AuditRequest) => string);
  target: (r: AuditRequest) => AuditTarget;
  /** Body fields whose values are recorded. */
  keep?: readonly string[];
  /** Computed detail (e.g. a count instead of a long list). */
  detail?: (r: AuditRequest) => Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const lower = (v: unknown): string => str(v).toLowerCase();
const domainOf = (email: string): string | null => (email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : null);

const account = (email: unknown): AuditTarget => {
  const e = lower(email);
  return { target: e, account: e || null, domain: domainOf(e) };
};
const accountThing = (email: unknown, thing: unknown): AuditTarget => ({ ...account(email), target: str(thing) });
const domain = (name: unknown): AuditTarget => {
  const d = lower(name);
  // `global` names the installation-wide ABQ rules and messages, not a domain.
  return d === '' || d === 'global' ? { target: d, account: null, domain: null } : { target: d, account: null, domain: d };
};
const setting = (key: unknown): AuditTarget => ({ target: str(key), account: null, domain: null });
/** A level named in the path: `account <email>`, `domain <name>`, or the whole installation. */
const level = (kind: unknown, name: unknown): AuditTarget => {
  const k = lower(kind);
  if (k === 'account') return account(name);
  if (k === 'domain') return domain(name);
  return setting(name);
};

const p = (r: AuditRequest, k: string): unknown => r.params[k];
const own = (r: AuditRequest): AuditTarget => account(r.actor);
const ownDevice = (r: AuditRequest): AuditTarget => ({ ...own(r), target: str(p(r, 'deviceId')) });

/** Under /api/admin. */
const ADMIN: Record<string, AuditAction | null> = {
  'POST /domains': { action: 'domain.create', target: (r) => domain(r.body.name) },
  'DELETE /domains/:name': { action: 'domain.delete', target: (r) => domain(p(r, 'name')) },
  'POST /accounts': { action: 'account.create', target: (r) => account(r.body.email), keep: ['displayName'] },
  'PATCH /accounts/:email': { action: 'account.modify', target: (r) => account(p(r, 'email')), keep: ['displayName', 'status', 'mobileSyncEnabled', ...PROFILE_FIELDS] },
  'PUT /accounts/:email/password': { action: 'account.setPassword', target: (r) => account(p(r, 'email')) },
  'DELETE /accounts/:email': { action: 'account.delete', target: (r) => account(p(r, 'email')) },
  'PUT /accounts/:email/delegated-domains/:domain': { action: 'role.grantDelegatedAdmin', target: (r) => account(p(r, 'email')), detail: (r) => ({ domain: lower(p(r, 'domain')) }) },
  'DELETE /accounts/:email/delegated-domains/:domain': { action: 'role.revokeDelegatedAdmin', target: (r) => account(p(r, 'email')), detail: (r) => ({ domain: lower(p(r, 'domain')) }) },
  'PUT /accounts/:email/global-admin': { action: 'role.setGlobalAdmin', target: (r) => account(p(r, 'email')), keep: ['value'] },
  'POST /accounts/:email/credentials': { action: 'credential.create', target: (r) => account(p(r, 'email')), keep: ['label', 'services', 'qrcode'] },
  'PATCH /accounts/:email/credentials/:id': { action: 'credential.modify', target: (r) => accountThing(p(r, 'email'), p(r, 'id')), keep: ['label', 'enabled', 'services'] },
  'DELETE /accounts/:email/credentials/:id': { action: 'credential.revoke', target: (r) => accountThing(p(r, 'email'), p(r, 'id')) },
  'DELETE /auth/lockouts/accounts/:email': { action: 'lockout.clearAccount', target: (r) => account(p(r, 'email')) },
  'DELETE /auth/lockouts/addresses/:address': { action: 'lockout.clearAddress', target: (r) => setting(p(r, 'address')) },
  'DELETE /accounts/:email/devices/:deviceId': { action: 'device.remove', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /accounts/:email/devices/:deviceId/reset': { action: 'device.reset', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /accounts/:email/devices/reset': { action: 'device.resetAll', target: (r) => account(p(r, 'email')) },
  'POST /accounts/:email/devices/:deviceId/suspend': { action: 'device.suspend', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /accounts/:email/devices/:deviceId/resume': { action: 'device.resume', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /accounts/:email/devices/resume': { action: 'device.resumeAll', target: (r) => account(p(r, 'email')) },
  'POST /accounts/:email/devices/:deviceId/wipe': { action: 'device.wipe', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')), keep: ['accountOnly', 'confirm'] },
  'DELETE /accounts/:email/devices/:deviceId/wipe': { action: 'device.cancelWipe', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /devices/purge': { action: 'device.purge', target: () => setting(''), keep: ['retentionPeriod'] },
  'POST /accounts/:email/simulate-sync': null,
  'POST /backup': { action: 'backup.create', target: (r) => setting(str(r.body.file)) },
  'PUT /provisioning/:level/:name': { action: 'policy.set', target: (r) => level(p(r, 'level'), p(r, 'name')), keep: ['key', 'value'] },
  'PUT /config/:scope': { action: 'config.set', target: (r) => setting(r.body.key), keep: ['key', 'value'] },
  'PUT /config/:kind/:name': { action: 'config.set', target: (r) => level(p(r, 'kind'), p(r, 'name')), keep: ['key', 'value'] },
  'POST /eas-filters': { action: 'easFilter.add', target: (r) => setting(`${str(r.body.type)} ${str(r.body.parameter)}`.trim()), keep: ['type', 'parameter', 'mode', 'versions', 'blocking'] },
  'DELETE /eas-filters/:id': { action: 'easFilter.delete', target: (r) => setting(p(r, 'id')) },
  'POST /eas-filters/move': { action: 'easFilter.move', target: () => setting(''), keep: ['from', 'to'] },
  'POST /mobile/services/:name/:action': { action: (r) => `service.${lower(p(r, 'action')) || 'change'}`, target: (r) => setting(p(r, 'name')) },
  'DELETE /antidos/jails': { action: 'antidos.releaseAll', target: () => setting('') },
  'DELETE /antidos/jails/:email': { action: 'antidos.release', target: (r) => account(p(r, 'email')) },
  'DELETE /antidos/jails/:email/:deviceId': { action: 'antidos.release', target: (r) => accountThing(p(r, 'email'), p(r, 'deviceId')) },
  'POST /mobile/loggers': { action: 'accountLogger.add', target: (r) => account(r.body.account), keep: ['level', 'file', 'windowSize'] },
  'DELETE /mobile/loggers/:id': { action: 'accountLogger.remove', target: (r) => setting(p(r, 'id')) },
  'PUT /accounts/:email/folders/:folderId/sync': { action: 'folderSync.set', target: (r) => accountThing(p(r, 'email'), p(r, 'folderId')), keep: ['enabled'] },
  'PUT /abq/devices/:deviceId': { action: 'abq.setDevice', target: (r) => accountThing(r.body.account, p(r, 'deviceId')), keep: ['status'] },
  'DELETE /abq/devices/:deviceId': { action: 'abq.removeDevice', target: (r) => accountThing(r.query.account, p(r, 'deviceId')) },
  'POST /abq/import': { action: 'abq.import', target: () => setting(''), keep: ['status'], detail: (r) => ({ lines: Array.isArray(r.body.lines) ? r.body.lines.length : 0 }) },
  'PUT /abq/rules': { action: 'abq.setRule', target: (r) => ({ ...domain(r.body.domain), target: str(r.body.regex) }), keep: ['status', 'order'] },
  'DELETE /abq/rules': { action: 'abq.deleteRule', target: (r) => ({ ...domain(r.query.domain), target: str(r.query.regex) }) },
  'PUT /abq/notification-interval': { action: 'abq.setNotificationInterval', target: () => setting('abqNotificationInterval'), keep: ['interval'] },
  'PUT /abq/messages': { action: 'abq.setMessage', target: (r) => ({ ...domain(r.body.domain), target: `${str(r.body.kind)} ${str(r.body.locale)}`.trim() }), keep: ['from', 'reply_to', 'subject'] },
  'POST /abq/messages/duplicate': { action: 'abq.duplicateMessage', target: (r) => ({ ...domain(r.body.domain), target: str(r.body.kind) }), keep: ['from', 'to'] },
  'DELETE /abq/messages': { action: 'abq.deleteMessage', target: (r) => ({ ...domain(r.query.domain), target: `${str(r.query.kind)} ${str(r.query.locale)}`.trim() }) },
  'POST /accounts/:email/contacts/import': { action: 'mailbox.importContacts', target: (r) => account(p(r, 'email')), keep: ['folder'] },
  'POST /accounts/:email/calendar/import': { action: 'mailbox.importCalendar', target: (r) => account(p(r, 'email')), keep: ['folder'] },
  'POST /accounts/:email/mail/import': { action: 'mailbox.importMail', target: (r) => account(p(r, 'email')), detail: (r) => ({ folder: Array.isArray(r.body.folder) ? r.body.folder.join('/') : 'Inbox', messages: Array.isArray(r.body.messages) ? r.body.messages.length : 0 }) },
};

/** Under /api/self: the user on his own account. */
const SELF: Record<string, AuditAction | null> = {
  'DELETE /devices/:deviceId': { action: 'device.remove', target: ownDevice },
  'POST /devices/:deviceId/reset': { action: 'device.reset', target: ownDevice },
  'POST /devices/reset': { action: 'device.resetAll', target: own },
  'POST /devices/:deviceId/suspend': { action: 'device.suspend', target: ownDevice },
  'POST /devices/:deviceId/resume': { action: 'device.resume', target: ownDevice },
  'POST /devices/resume': { action: 'device.resumeAll', target: own },
  'POST /devices/:deviceId/wipe': { action: 'device.wipe', target: ownDevice, keep: ['accountOnly', 'confirm'] },
  'DELETE /devices/:deviceId/wipe': { action: 'device.cancelWipe', target: ownDevice },
  'POST /credentials': { action: 'credential.create', target: own, keep: ['label', 'services', 'qrcode'] },
  'PATCH /credentials/:id': { action: 'credential.modify', target: (r) => ({ ...own(r), target: str(p(r, 'id')) }), keep: ['label', 'enabled', 'services'] },
  'DELETE /credentials/:id': { action: 'credential.revoke', target: (r) => ({ ...own(r), target: str(p(r, 'id')) }) },
  'PUT /oof': { action: 'oof.set', target: own, keep: ['state'] },
};

export const AUDIT_PREFIXES = { admin: '/api/admin', self: '/api/self' } as const;

/** `METHOD /full/route/path` -> the action (null: not a change). */
export const auditActions: ReadonlyMap<string, AuditAction | null> = new Map([
  ...Object.entries(ADMIN).map(([k, v]) => [k.replace(' ', ` ${AUDIT_PREFIXES.admin}`), v] as const),
  ...Object.entries(SELF).map(([k, v]) => [k.replace(' ', ` ${AUDIT_PREFIXES.self}`), v] as const),
]);

/** Field names never copied into an entry, whatever a table row says. */
export const SECRET_FIELD = /pass|secret|token|totp|otp|cookie|authorization|csrf/i;
