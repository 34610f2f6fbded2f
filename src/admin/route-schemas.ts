// The JSON schemas of the admin, self-service and web session routes (issue 17 part 6), in one table keyed
// by method and route path like the audit table (audit-actions.ts), so the routes stay as they are: each
// plugin's onRoute hook (applyRouteSchemas) gives a route its entry, and refuses to register a route that
// has none. Fastify's validator (Ajv) checks requests with them before the handler (400 `bad-request`
// naming the field), and @fastify/swagger builds /api/openapi.json from them (src/openapi.ts).
// What the schemas check: the body is a JSON object, required fields are present, and each field has a type
// the handler accepts. The handlers keep their own checks (ranges, formats, enums), whose 400 `invalid`
// messages say more: numbers are only "a number or its text" here, the handler says which range. Booleans
// and numbers also accept their text form ("true", "30"), as the handlers always did (the CLI passes
// command-line words through). Extra body and query fields are allowed and ignored, as before: the CLI
// and the web console of other versions keep working. Validation runs before the handler, so a malformed
// request is a 400 even before its credentials are checked (it learns nothing but the request's shape).
// The messages are worded like the handlers' ("\"email\" is required"), by formatSchemaErrors.
// Error responses are documented for every route (the one shape, http-errors.ts, which makes them);
// success bodies are not. Neither is a Fastify response schema: a serializer per route and status would
// cost start-up time, and one for a success body would drop any field it does not list.
import type { FastifyInstance, FastifyRequest, FastifySchema, FastifySchemaValidationError, RouteOptions } from 'fastify';
import { MESSAGE_FIELDS } from '../devices/abq-message.js';
import { PROFILE_FIELDS } from '../store/types.js';
import { HTTP_ERROR_CODES, HttpError, type HttpErrorCode } from './http-errors.js';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI tags, one per module. */
export const API_TAGS = [
  { name: 'accounts', description: 'Admin API: domains, accounts, passwords and roles' },
  { name: 'credentials', description: 'Admin API: service credentials (Carbonio Auth)' },
  { name: 'devices', description: 'Admin API: mobile devices, their actions, remote wipe' },
  { name: 'policies', description: 'Admin API: device policies and settings' },
  { name: 'abq', description: 'Admin API: Allow/Block/Quarantine' },
  { name: 'eas', description: 'Admin API: EAS version filters, folder exclusion, account loggers, services, anti-DoS, held requests, simulated sync' },
  { name: 'mailbox', description: 'Admin API: contacts, calendar and mail import and export' },
  { name: 'security', description: 'Admin API: login lockouts and the audit trail' },
  { name: 'backup', description: 'Admin API: online backup (SQLite)' },
  { name: 'self', description: 'Self-service API: the user\'s own devices, credentials and out-of-office' },
  { name: 'session', description: 'Web console sign-in (session cookie and CSRF token)' },
  { name: 'server', description: 'Health, metrics and this document' },
] as const;
export type ApiTag = (typeof API_TAGS)[number]['name'];

/** How callers authenticate (components.securitySchemes of the document). */
export const SECURITY_SCHEMES = {
  basic: { type: 'http', scheme: 'basic', description: 'The account\'s address and password, or a credential bound to WebAdminUI (admin API) or WebUI (self API)' },
  adminSession: { type: 'apiKey', in: 'cookie', name: 'carbonio_admin_session', description: 'The admin page\'s session cookie (POST /api/session with scope admin)' },
  userSession: { type: 'apiKey', in: 'cookie', name: 'carbonio_session', description: 'The user page\'s session cookie (POST /api/session with scope user)' },
  csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The session\'s CSRF token: required with a session cookie on POST, PUT, PATCH and DELETE' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'CARBONIO_METRICS_TOKEN, when set' },
} as const;

// Field types. `text` fields accept what a JSON client or the CLI sends; handlers check the rest.
const str = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
const bool = (description?: string): JsonSchema => ({ type: ['boolean', 'string'], ...(description ? { description } : {}) });
const int = (description?: string): JsonSchema => ({ type: ['number', 'string'], ...(description ? { description } : {}) });
const strList = (description?: string): JsonSchema => ({ type: ['array', 'string'], items: { type: 'string' }, ...(description ? { description } : {}) });
const anyValue = (description: string): JsonSchema => ({ type: ['string', 'number', 'boolean', 'null'], description });

/** A JSON object body; without required fields, an absent body counts as `{}`. */
function body(properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return required.length > 0
    ? { type: 'object', properties, required: [...required] }
    : { type: ['object', 'null'], properties };
}

interface Entry {
  tag: ApiTag;
  summary: string;
  /** Query parameters: always text (the handlers parse them). */
  query?: Record<string, string>;
  body?: JsonSchema;
  /** Error statuses beyond those of every route (400, 401, 403, 404, 500; 413 and 415 with a body). */
  errors?: readonly number[];
  /** No authentication (the session sign-in). */
  open?: true;
}

const wipeBody = body({ confirm: bool('true to really wipe'), accountOnly: bool('only the account\'s data (EAS 16.1)') });
const credentialBody = (required: boolean): JsonSchema => body({
  ...(required ? { password: str('chosen instead of generated') } : {}),
  label: str(), services: strList('EAS, IMAP, POP3, SMTP, WebUI, WebAdminUI... (list or comma text)'),
  ...(required ? { qrcode: bool('also answer a QR code for the phone') } : { enabled: bool() }),
});
const messageFields = Object.fromEntries(MESSAGE_FIELDS.map((f) => [f, str()]));

/** Under /api/admin. */
const ADMIN: Record<string, Entry> = {
  'GET /domains': { tag: 'accounts', summary: 'List domains (a delegated admin: his own)' },
  'POST /domains': { tag: 'accounts', summary: 'Create a domain', body: body({ name: str('domain name') }, ['name']), errors: [409] },
  'DELETE /domains/:name': { tag: 'accounts', summary: 'Delete an empty domain', errors: [409] },
  'GET /accounts': { tag: 'accounts', summary: 'List accounts', query: { domain: 'only this domain' } },
  'POST /accounts': {
    tag: 'accounts', summary: 'Create an account with its default folders', errors: [409],
    body: body({ email: str(), password: str(), displayName: str() }, ['email', 'password']),
  },
  'GET /accounts/:email': { tag: 'accounts', summary: 'One account' },
  'PATCH /accounts/:email': {
    tag: 'accounts', summary: 'Change an account',
    body: body({
      displayName: str(), status: str('active, locked or closed'), mobileSyncEnabled: bool(),
      ...Object.fromEntries(PROFILE_FIELDS.map((f) => [f, str('address-book field; empty removes it')])),
    }),
  },
  'PUT /accounts/:email/password': { tag: 'accounts', summary: 'Set the account password', body: body({ password: str() }, ['password']) },
  'DELETE /accounts/:email': { tag: 'accounts', summary: 'Delete the account and all its data' },
  'PUT /accounts/:email/delegated-domains/:domain': { tag: 'accounts', summary: 'Grant delegated admin of a domain' },
  'DELETE /accounts/:email/delegated-domains/:domain': { tag: 'accounts', summary: 'Revoke delegated admin of a domain' },
  'PUT /accounts/:email/global-admin': { tag: 'accounts', summary: 'Make or unmake a global admin', body: body({ value: bool() }, ['value']) },

  'GET /accounts/:email/credentials': { tag: 'credentials', summary: 'List credentials, without secrets' },
  'POST /accounts/:email/credentials': { tag: 'credentials', summary: 'Create a credential (the answer carries its secret once)', body: credentialBody(true) },
  'PATCH /accounts/:email/credentials/:id': { tag: 'credentials', summary: 'Change a credential', body: credentialBody(false) },
  'DELETE /accounts/:email/credentials/:id': { tag: 'credentials', summary: 'Revoke a credential' },

  'GET /auth/lockouts': { tag: 'security', summary: 'Failed-login counters and lockouts', query: { account: 'address', address: 'client IP address' } },
  'DELETE /auth/lockouts/accounts/:email': { tag: 'security', summary: 'Clear an account\'s lockout' },
  'DELETE /auth/lockouts/addresses/:address': { tag: 'security', summary: 'Clear a client address\'s lockout' },
  'GET /audit': {
    tag: 'security', summary: 'The audit trail, newest first',
    query: { account: 'concerning this account', actor: 'made by this account', since: 'ISO 8601, or 30m, 24h, 7d, 2w', limit: '1 to 1000 (100)', before: 'an entry id, to page on' },
  },

  'GET /accounts/:email/devices': { tag: 'devices', summary: 'The account\'s devices (getDeviceList)' },
  'GET /accounts/:email/devices/:deviceId': { tag: 'devices', summary: 'One device (getDeviceInfo)', query: { verbose: 'true: per-folder sync progress' } },
  'GET /accounts/:email/devices/:deviceId/recovery-password': { tag: 'devices', summary: 'The recovery password the device set' },
  'GET /devices': {
    tag: 'devices', summary: 'Every device, searched, sorted and paged (getAllDevices)',
    query: { domains: 'comma list', q: 'text searched', sort: 'account, id, type, model, os, status, lastSeen, firstSeen', order: 'asc or desc', offset: '0 and up', limit: '1 to 500' },
  },
  'DELETE /accounts/:email/devices/:deviceId': { tag: 'devices', summary: 'Remove a device, its SyncState and history' },
  'POST /accounts/:email/devices/:deviceId/reset': { tag: 'devices', summary: 'Drop a device\'s SyncState' },
  'POST /accounts/:email/devices/reset': { tag: 'devices', summary: 'Drop the SyncState of every device of the account' },
  'POST /accounts/:email/devices/:deviceId/suspend': { tag: 'devices', summary: 'Suspend a device\'s sync' },
  'POST /accounts/:email/devices/:deviceId/resume': { tag: 'devices', summary: 'Resume a device\'s sync' },
  'POST /accounts/:email/devices/resume': { tag: 'devices', summary: 'Resume every device of the account' },
  'GET /accounts/:email/devices/:deviceId/wipe': { tag: 'devices', summary: 'Remote wipe state' },
  'POST /accounts/:email/devices/:deviceId/wipe': { tag: 'devices', summary: 'Request a remote wipe', body: wipeBody, errors: [409] },
  'DELETE /accounts/:email/devices/:deviceId/wipe': { tag: 'devices', summary: 'Cancel a pending remote wipe', errors: [409] },
  'POST /devices/purge': { tag: 'devices', summary: 'Remove devices unseen that many days', body: body({ retentionPeriod: int('days') }) },

  'GET /provisioning/:level/:name': { tag: 'policies', summary: 'Device policy of an account or domain, each value with its source', query: { key: 'one policy key' } },
  'PUT /provisioning/:level/:name': { tag: 'policies', summary: 'Set a device policy value', body: body({ key: str(), value: anyValue('the value; null or "default" removes it') }, ['key']) },
  'GET /config/:scope': { tag: 'policies', summary: 'Global push tuning settings and abqMode', query: { key: 'one setting' } },
  'PUT /config/:scope': { tag: 'policies', summary: 'Set a global setting', body: body({ key: str(), value: anyValue('the value') }, ['key', 'value']) },
  'GET /config/:kind/:name': { tag: 'policies', summary: 'abqMode of a domain or account', query: { key: 'abqMode' } },
  'PUT /config/:kind/:name': { tag: 'policies', summary: 'Set abqMode of a domain or account', body: body({ key: str(), value: anyValue('the mode; default removes it') }, ['key']) },

  'GET /abq/devices': { tag: 'abq', summary: 'The ABQ control list', query: { status: 'allowed, blocked or quarantined' } },
  'PUT /abq/devices/:deviceId': { tag: 'abq', summary: 'Set a device\'s ABQ status', body: body({ status: str(), account: str('address or id; none: every account (global admin)') }, ['status']) },
  'DELETE /abq/devices/:deviceId': { tag: 'abq', summary: 'Remove a device from the list', query: { account: 'address or id' } },
  'POST /abq/import': { tag: 'abq', summary: 'Put device_id or device_id/account lines on the list, all or none', body: body({ status: str(), lines: { type: 'array', items: { type: 'string' } } }, ['status', 'lines']) },
  'GET /abq/rules': { tag: 'abq', summary: 'ABQ rules', query: { domain: 'a domain, or global' } },
  'PUT /abq/rules': { tag: 'abq', summary: 'Add or change a rule', body: body({ regex: str(), status: str(), order: int(), domain: str() }, ['regex', 'status']) },
  'DELETE /abq/rules': { tag: 'abq', summary: 'Delete a rule', query: { regex: 'the rule\'s regex', domain: 'a domain, or global' } },
  'GET /abq/notification-interval': { tag: 'abq', summary: 'Admins\' mail of newly quarantined devices' },
  'PUT /abq/notification-interval': { tag: 'abq', summary: 'Set the notification interval', body: body({ interval: str('45m, 6h, 1d or 0') }, ['interval']) },
  'GET /abq/messages': { tag: 'abq', summary: 'ABQ notices', query: { kind: 'notice kind', locale: 'locale, default or all', domain: 'a domain, or global' } },
  'PUT /abq/messages': { tag: 'abq', summary: 'Set a notice', body: body({ kind: str(), locale: str(), domain: str(), ...messageFields }) },
  'DELETE /abq/messages': { tag: 'abq', summary: 'Delete a notice', query: { kind: 'notice kind', locale: 'locale', domain: 'a domain, or global' } },
  'POST /abq/messages/duplicate': { tag: 'abq', summary: 'Copy a notice to another locale', body: body({ kind: str(), from: str('locale'), to: str('locale'), domain: str() }, ['from', 'to']) },

  'GET /eas-filters': { tag: 'eas', summary: 'EAS version filters' },
  'POST /eas-filters': {
    tag: 'eas', summary: 'Add an EAS version filter',
    body: body({ type: str(), parameter: str(), mode: str('add, subtract, fixed or limit'), versions: strList('"14.0,14.1" or a list'), blocking: bool() }, ['type', 'parameter', 'mode', 'versions']),
  },
  'DELETE /eas-filters/:id': { tag: 'eas', summary: 'Delete an EAS version filter' },
  'POST /eas-filters/move': { tag: 'eas', summary: 'Move a filter to another position', body: body({ from: int('0-based position'), to: int('0-based position') }, ['from', 'to']) },
  'GET /accounts/:email/folders': { tag: 'eas', summary: 'The account\'s folders, with their mobile sync flag' },
  'PUT /accounts/:email/folders/:folderId/sync': { tag: 'eas', summary: 'Include a folder in mobile sync, or exclude it', body: body({ enabled: bool() }, ['enabled']) },
  'GET /mobile/loggers': { tag: 'eas', summary: 'Active account loggers' },
  'POST /mobile/loggers': {
    tag: 'eas', summary: 'Add or renew an account logger', errors: [409],
    body: body({ account: str(), level: str('trace, debug, info, warn, err, crit'), file: str('absolute path inside CARBONIO_LOG_DIR'), windowSize: int() }, ['account']),
  },
  'DELETE /mobile/loggers/:id': { tag: 'eas', summary: 'Stop an account logger (all_loggers: every one)' },
  'GET /mobile/services': { tag: 'eas', summary: 'Mobile services and their state' },
  'POST /mobile/services/:name/:action': { tag: 'eas', summary: 'Start, stop or restart a service', errors: [409] },
  'GET /antidos/jails': { tag: 'eas', summary: 'Devices jailed by anti-DoS' },
  'DELETE /antidos/jails': { tag: 'eas', summary: 'Free every jailed device' },
  'DELETE /antidos/jails/:email': { tag: 'eas', summary: 'Free an account\'s jailed devices' },
  'DELETE /antidos/jails/:email/:deviceId': { tag: 'eas', summary: 'Free one jailed device' },
  'GET /sessions': { tag: 'eas', summary: 'Held requests on this server process', query: { account: 'only this account' } },
  'POST /accounts/:email/simulate-sync': {
    tag: 'eas', summary: 'Run the Sync engine for a device without it (doSimulateSync); changes nothing', errors: [503],
    body: body({
      deviceId: str('a device id, or new'), initial: bool(), days: int('0 to 180'), deviceType: str('iphone or android'),
      windowSize: int(), maxWindows: int(), maxMs: int(),
    }, ['deviceId']),
  },

  'POST /accounts/:email/contacts/import': { tag: 'mailbox', summary: 'Import vCards', body: body({ data: str('vCard text'), folder: str() }, ['data']) },
  'GET /accounts/:email/contacts/export': { tag: 'mailbox', summary: 'Export contacts as vCards', query: { folder: 'folder name' } },
  'POST /accounts/:email/calendar/import': { tag: 'mailbox', summary: 'Import iCalendar', body: body({ data: str('iCalendar text'), folder: str() }, ['data']) },
  'GET /accounts/:email/calendar/export': { tag: 'mailbox', summary: 'Export a calendar as iCalendar', query: { folder: 'folder name' } },
  'POST /accounts/:email/mail/import': {
    tag: 'mailbox', summary: 'Import a batch of up to 1,000 messages in one transaction',
    body: body({
      folder: { type: 'array', items: { type: 'string' }, description: 'the folder path, as names (none: the Inbox)' },
      messages: {
        type: 'array',
        items: {
          type: 'object', required: ['raw'],
          properties: { raw: str('the message, base64'), flags: { type: 'object', additionalProperties: { type: 'boolean' } }, receivedAt: { type: 'number', description: 'epoch ms' } },
        },
      },
    }, ['messages']),
  },
  'GET /accounts/:email/mail/folders': { tag: 'mailbox', summary: 'The mail folders' },
  'GET /accounts/:email/mail/messages': { tag: 'mailbox', summary: 'A page of a folder\'s messages', query: { folder: 'folder id', after: 'item id', limit: '1 to 1000 (200)' } },

  'POST /backup': { tag: 'backup', summary: 'Start an online backup (SQLite)', body: body({ file: str('a name inside CARBONIO_BACKUP_DIR, or an absolute path inside it') }, ['file']), errors: [409] },
  'GET /backup': { tag: 'backup', summary: 'Recent backups of this server process' },
  'GET /backup/:id': { tag: 'backup', summary: 'One backup job' },
};

/** Under /api/self. */
const SELF: Record<string, Entry> = {
  'GET /devices': { tag: 'self', summary: 'My devices' },
  'GET /devices/:deviceId': { tag: 'self', summary: 'One of my devices', query: { verbose: 'true: per-folder sync progress' } },
  'DELETE /devices/:deviceId': { tag: 'self', summary: 'Remove my device' },
  'POST /devices/:deviceId/reset': { tag: 'self', summary: 'Drop my device\'s SyncState' },
  'POST /devices/reset': { tag: 'self', summary: 'Drop the SyncState of all my devices' },
  'POST /devices/:deviceId/suspend': { tag: 'self', summary: 'Suspend my device' },
  'POST /devices/:deviceId/resume': { tag: 'self', summary: 'Resume my device' },
  'POST /devices/resume': { tag: 'self', summary: 'Resume all my devices' },
  'POST /devices/:deviceId/wipe': { tag: 'self', summary: 'Request a remote wipe of my device', body: wipeBody, errors: [409] },
  'DELETE /devices/:deviceId/wipe': { tag: 'self', summary: 'Cancel a pending remote wipe', errors: [409] },
  'GET /credentials': { tag: 'self', summary: 'My credentials, without secrets' },
  'POST /credentials': { tag: 'self', summary: 'Create a credential (the server generates the secret)', body: body({ label: str(), services: strList(), qrcode: bool() }) },
  'PATCH /credentials/:id': { tag: 'self', summary: 'Enable or disable my credential', body: body({ enabled: bool() }) },
  'DELETE /credentials/:id': { tag: 'self', summary: 'Revoke my credential' },
  'GET /oof': { tag: 'self', summary: 'My out-of-office' },
  'PUT /oof': {
    tag: 'self', summary: 'Set my out-of-office',
    body: body({
      state: { type: 'integer', enum: [0, 1, 2], description: '0 off, 1 on, 2 between start and end' },
      start: { type: ['string', 'null'], description: 'ISO 8601' }, end: { type: ['string', 'null'], description: 'ISO 8601' },
      internal: { type: ['string', 'null'], description: 'reply to colleagues' }, external: { type: ['string', 'null'], description: 'reply to everyone else' },
    }, ['state']),
  },
};

const scopeQuery = { scope: 'user (the default) or admin' };
/** Under /api/session. */
const SESSION: Record<string, Entry> = {
  'POST /': { tag: 'session', summary: 'Sign in: sets the session cookie, answers the CSRF token', open: true, body: body({ email: str(), password: str(), scope: str('user or admin') }, ['email', 'password']) },
  'GET /': { tag: 'session', summary: 'Who is signed in, with a fresh CSRF token', query: scopeQuery },
  'DELETE /': { tag: 'session', summary: 'Sign out', query: scopeQuery },
};

export type SchemaTable = 'admin' | 'self' | 'session';
const TABLES: Record<SchemaTable, Record<string, Entry>> = { admin: ADMIN, self: SELF, session: SESSION };
/** The cookie each API accepts instead of Basic (session-auth.ts). */
const COOKIE: Record<SchemaTable, 'adminSession' | 'userSession' | null> = { admin: 'adminSession', self: 'userSession', session: null };

const BASE_ERRORS = [400, 401, 403, 404, 500];
const BODY_ERRORS = [413, 415];

/** The response schema of an error status: the one shape, with the codes that status carries. */
export function errorResponse(status: number, description?: string): JsonSchema {
  const codes = (Object.keys(HTTP_ERROR_CODES) as HttpErrorCode[]).filter((c) => HTTP_ERROR_CODES[c].status === status);
  return {
    description: description ?? `Error: ${codes.join(', ')}`,
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: codes }, message: { type: 'string' } },
      },
    },
  };
}

export const errorResponses = (statuses: readonly number[]): Record<string, JsonSchema> =>
  Object.fromEntries([...new Set(statuses)].sort().map((s) => [String(s), errorResponse(s)]));

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function security(table: SchemaTable, method: string, entry: Entry): Array<Record<string, string[]>> {
  if (entry.open) return [];
  const cookie = COOKIE[table];
  const withCookie = (name: string) => (CHANGES.has(method) ? { [name]: [], csrf: [] } : { [name]: [] });
  // The session routes themselves are cookie-only; the APIs take Basic or their page's cookie.
  if (cookie === null) return [withCookie('userSession'), withCookie('adminSession')];
  return [{ basic: [] }, withCookie(cookie)];
}

/** The request parts a route validates, and its error responses: given to Fastify lazily (see below). */
export interface RouteSchemaParts {
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response: Record<string, JsonSchema>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This table's validation schemas and error responses (validateRequest; the OpenAPI transform). */
    routeSchemas?: RouteSchemaParts;
  }
}

/** The entry of `METHOD path` (path as registered inside the plugin, without its prefix). */
function schemaOf(table: SchemaTable, method: string, path: string): { doc: FastifySchema; parts: RouteSchemaParts } {
  const entry = TABLES[table][`${method} ${path}`];
  if (!entry) throw new Error(`route ${method} ${path} of the ${table} API has no schema in src/admin/route-schemas.ts`);
  const names = [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const parts: RouteSchemaParts = { response: errorResponses([...BASE_ERRORS, ...(entry.body ? BODY_ERRORS : []), ...(entry.errors ?? [])]) };
  if (names.length > 0) {
    parts.params = { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string', minLength: 1 }])), required: names };
  }
  if (entry.query) {
    parts.querystring = { type: 'object', properties: Object.fromEntries(Object.entries(entry.query).map(([k, d]) => [k, str(d)])) };
  }
  if (entry.body) parts.body = entry.body;
  const doc: FastifySchema & Record<string, unknown> = { tags: [entry.tag], summary: entry.summary, security: security(table, method, entry) };
  return { doc, parts };
}

/**
 * The options of Fastify's validator (Ajv) these schemas are written for: JSON checked as sent (no type
 * coercion: a number is not a string), nothing removed, and union types (`["boolean", "string"]`).
 */
export const SCHEMA_AJV_OPTIONS = { coerceTypes: false, removeAdditional: false, allowUnionTypes: true } as const;

const typeWords = (types: string[]): string => {
  if (types.includes('boolean')) return 'true or false';
  if (types.includes('number') || types.includes('integer')) return 'a number';
  if (types.includes('array')) return types.includes('string') ? 'a list of strings (or a comma list)' : 'a list';
  if (types.includes('object')) return 'an object';
  return types.includes('null') ? 'a text or null' : 'a text';
};

/** `/messages/0/raw` -> `messages[0].raw`. */
const fieldName = (instancePath: string): string =>
  instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

/** One validation failure in words, naming the field (Fastify's formatter says `body/x must be string`). */
function describeError(e: FastifySchemaValidationError, where: string): string {
  const field = fieldName(e.instancePath);
  const quoted = `"${field}"`;
  const types = [e.params.type].flat().filter((t): t is string => typeof t === 'string');
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      return `"${field ? `${field}.` : ''}${missing}" is required${where === 'body' ? '' : ` in the ${where}`}`;
    }
    case 'type':
      if (field === '') return where === 'body' ? 'the request body must be a JSON object' : `the ${where} must be ${typeWords(types)}`;
      // A query value is text, or a list when the parameter is repeated.
      if (where === 'querystring') return `${quoted} must be given once`;
      return `${quoted} must be ${typeWords(types)}`;
    case 'enum':
      return `${quoted} must be one of ${[e.params.allowedValues].flat().map(String).join(', ')}`;
    case 'minLength':
      return `${quoted} must not be empty`;
    default:
      return `${field ? quoted : `the ${where}`} ${e.message ?? 'is not valid'}`;
  }
}

export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((e) => describeError(e, dataVar)).join('; '));
}

const PARTS = [['params', 'params'], ['querystring', 'query'], ['body', 'body']] as const;

/**
 * Checks the request against its route's schemas, compiled at its first use (Fastify's
 * request.compileValidationSchema, cached per route): compiling all of them when the server starts
 * doubled its start-up time (about 0.6 s for some 200 schemas), which every test start paid.
 */
function validateRequest(req: FastifyRequest): void {
  const parts = req.routeOptions.config.routeSchemas;
  if (!parts) return;
  for (const [part, field] of PARTS) {
    const schema = parts[part];
    if (!schema) continue;
    const validate = req.compileValidationSchema(schema, part);
    // An absent body is checked as null, as Fastify does.
    if (!validate(req[field] ?? null)) {
      throw new HttpError(400, 'bad-request', formatSchemaErrors(validate.errors ?? [], part).message);
    }
  }
}

/**
 * Gives every route registered after this call in `app` its entry of `table`: the OpenAPI fields in its
 * schema, the validation schemas and error responses in its config (routeSchemas: checked before the
 * handler by validateRequest, added to the document by src/openapi.ts). A route without an entry fails
 * the start, so no route goes undocumented or unvalidated.
 */
export function applyRouteSchemas(app: FastifyInstance, table: SchemaTable): void {
  app.addHook('onRoute', (r: RouteOptions) => {
    if (Array.isArray(r.method)) throw new Error(`route ${r.url}: one method per route, for its schema`);
    // Fastify's HEAD twin of a GET route takes the GET's entry.
    const method = r.method === 'HEAD' ? 'GET' : r.method;
    const path = (r as RouteOptions & { routePath?: string }).routePath ?? r.url;
    const { doc, parts } = schemaOf(table, method, path === '' ? '/' : path);
    r.schema = { ...doc, ...r.schema };
    r.config = { ...r.config, routeSchemas: parts };
  });
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      validateRequest(req);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}

/** Every `METHOD /full/path` of the three tables (the OpenAPI test compares them with the route table). */
export const schemaRoutes = (prefixes: Record<SchemaTable, string>): string[] =>
  (Object.keys(TABLES) as SchemaTable[]).flatMap((t) => Object.keys(TABLES[t]).map((k) => {
    const [m, p] = k.split(' ') as [string, string];
    return `${m} ${prefixes[t]}${p === '/' ? '' : p}`;
  }));
