// Issue 17 part 6: one error shape for every non-EAS HTTP route, and the OpenAPI 3.1 document at
// /api/openapi.json, compared both ways with the routes the server registers (Fastify's onRoute table).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { HTTP_ERROR_CODES, type HttpErrorCode } from '../src/admin/http-errors.js';
import { schemaRoutes } from '../src/admin/route-schemas.js';
import { basic, startTestApp, type TestApp } from './helpers/app.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Routes the document leaves out on purpose: ActiveSync and Autodiscover answer as their protocols define
 * (WBXML, XML), and the web console's pages and assets are HTML and files, not a JSON API.
 */
const NOT_DOCUMENTED = new Set([
  'OPTIONS /Microsoft-Server-ActiveSync',
  'POST /Microsoft-Server-ActiveSync',
  'GET /Microsoft-Server-ActiveSync',
  'POST /autodiscover/autodiscover.xml',
  'GET /',
  'GET /admin',
  'GET /admin/',
  'GET /assets/*', // only when the web console is built
]);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The fields OpenAPI 3.1 requires, and the ones this document promises (no validator library is installed). */
function structuralProblems(doc: Json): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
  need(typeof doc.openapi === 'string' && /^3\.1\.\d+$/.test(doc.openapi), `openapi is 3.1.x, not ${String(doc.openapi)}`);
  const info = doc.info;
  need(isObject(info) && typeof info.title === 'string' && typeof info.version === 'string', 'info has title and version');
  need(isObject(doc.paths), 'paths is an object');
  const components = isObject(doc.components) ? doc.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  for (const [name, s] of Object.entries(schemes)) {
    need(isObject(s) && ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(String(s.type)), `security scheme ${name} has a valid type`);
    if (isObject(s) && s.type === 'http') need(typeof s.scheme === 'string', `security scheme ${name} names its scheme`);
    if (isObject(s) && s.type === 'apiKey') need(typeof s.name === 'string' && ['query', 'header', 'cookie'].includes(String(s.in)), `security scheme ${name} has name and in`);
  }
  const declaredTags = new Set(Array.isArray(doc.tags) ? doc.tags.map((t) => (isObject(t) ? t.name : undefined)) : []);
  const operationIds = new Set<string>();
  for (const [p, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    need(p.startsWith('/') && !p.includes(':'), `path ${p} starts with / and uses {param} templates`);
    if (!isObject(item)) { problems.push(`path item ${p} is an object`); continue; }
    const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${p}`;
      need(METHODS.includes(method) || ['parameters', 'summary', 'description', 'servers'].includes(method), `${where}: a known key of a path item`);
      if (!METHODS.includes(method)) continue;
      if (!isObject(op)) { problems.push(`${where} is an object`); continue; }
      const responses = op.responses;
      need(isObject(responses) && Object.keys(responses).length > 0, `${where} has responses`);
      for (const [status, r] of Object.entries(isObject(responses) ? responses : {})) {
        need(/^([1-5]\d\d|[1-5]XX|default)$/.test(status), `${where} response key ${status}`);
        need(isObject(r) && typeof r.description === 'string', `${where} response ${status} has a description`);
      }
      if (op.operationId !== undefined) {
        const id = typeof op.operationId === 'string' ? op.operationId : '';
        need(id !== '' && !operationIds.has(id), `${where}: operationId is a unique string`);
        operationIds.add(id);
      }
      const params = Array.isArray(op.parameters) ? op.parameters : [];
      for (const prm of params) {
        need(isObject(prm) && typeof prm.name === 'string' && ['query', 'header', 'path', 'cookie'].includes(String(prm.in)), `${where}: a parameter has name and in`);
        if (isObject(prm) && prm.in === 'path') need(prm.required === true && templated.includes(String(prm.name)), `${where}: path parameter ${String(prm.name)} is required and in the path`);
      }
      for (const t of templated) need(params.some((prm) => isObject(prm) && prm.in === 'path' && prm.name === t), `${where}: {${t}} is described`);
      if (op.requestBody !== undefined) need(isObject(op.requestBody) && isObject(op.requestBody.content), `${where}: requestBody has content`);
      for (const t of Array.isArray(op.tags) ? op.tags : []) need(declaredTags.has(t), `${where}: tag ${String(t)} is declared`);
      need(Array.isArray(op.tags) && op.tags.length > 0, `${where} has a tag`);
      need(Array.isArray(op.security), `${where} says how to authenticate (security, [] for none)`);
      for (const req of Array.isArray(op.security) ? op.security : []) {
        for (const name of Object.keys(isObject(req) ? req : {})) need(name in schemes, `${where}: security scheme ${name} is declared`);
      }
    }
  }
  return problems;
}

/** The codes of the README's error table: `| \`code\` | status | meaning |`. */
function readmeErrorTable(): Map<string, number> {
  const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = text.indexOf('| error code | HTTP status | meaning |');
  assert.ok(start >= 0, 'the README has the error code table');
  const rows = new Map<string, number>();
  for (const line of text.slice(start).split('\n').slice(2)) {
    const m = /^\| `([a-z-]+)` \| (\d{3}) \|/.exec(line);
    if (!m) break;
    rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

/** Every `.ts` file under src/, except ActiveSync's and the CLI's (not HTTP routes of this shape). */
function sourceFiles(dir = path.join(root, 'src')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['eas', 'cli'].includes(e.name) && dir.endsWith('src') ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('HTTP errors and the OpenAPI document', () => {
  let app: TestApp;
  const METRICS_TOKEN = 'metrics-token-for-the-test';

  before(async () => {
    app = await startTestApp({ env: { CARBONIO_METRICS_TOKEN: METRICS_TOKEN } });
  });
  after(() => app.stop());

  const call = async (method: string, urlPath: string, init: { body?: string; type?: string; auth?: boolean } = {}) => {
    const res = await fetch(`${app.baseUrl}${urlPath}`, {
      method,
      headers: {
        ...(init.auth === false ? {} : { authorization: basic(app.admin.email, app.admin.password) }),
        ...(init.type ? { 'content-type': init.type } : {}),
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, headers: res.headers };
  };

  /** Asserts the one shape, a listed code with its status, and returns the message. */
  const oneShape = (r: { status: number; type: string; text: string }, code: HttpErrorCode, what: string): string => {
    assert.match(r.type, /^application\/json/, what);
    const json = JSON.parse(r.text) as Json;
    assert.deepEqual(Object.keys(json), ['error'], `${what}: ${r.text}`);
    const e = json.error as Json;
    assert.deepEqual(Object.keys(e).sort(), ['code', 'message'], what);
    assert.equal(e.code, code, `${what}: ${r.text}`);
    assert.equal(r.status, HTTP_ERROR_CODES[code].status, `${what}: the status of ${code}`);
    assert.equal(typeof e.message, 'string');
    return String(e.message);
  };

  test('/api/openapi.json is OpenAPI 3.1, without authentication, with tags and security schemes', async () => {
    const r = await call('GET', '/api/openapi.json', { auth: false });
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const doc = JSON.parse(r.text) as Json;
    assert.match(String(doc.openapi), /^3\.1\.\d+$/);
    assert.deepEqual(structuralProblems(doc), []);
    const schemes = (doc.components as Json).securitySchemes as Json;
    assert.deepEqual(Object.keys(schemes).sort(), ['adminSession', 'basic', 'csrf', 'metricsToken', 'userSession']);
    const paths = doc.paths as Record<string, Record<string, Json>>;
    // A few operations as a client reads them: validation, errors, authentication.
    const create = paths['/api/admin/accounts']!.post!;
    assert.deepEqual(create.tags, ['accounts']);
    const bodySchema = ((create.requestBody as Json).content as Record<string, Json>)['application/json']!.schema as Json;
    assert.deepEqual(bodySchema.required, ['email', 'password']);
    assert.ok(['400', '401', '403', '404', '409', '413', '415', '500'].every((s) => s in (create.responses as Json)), Object.keys(create.responses as Json).join());
    assert.deepEqual(create.security, [{ basic: [] }, { adminSession: [], csrf: [] }]);
    assert.deepEqual(paths['/api/admin/accounts/{email}']!.get!.security, [{ basic: [] }, { adminSession: [] }]);
    assert.deepEqual(paths['/api/self/devices']!.get!.security, [{ basic: [] }, { userSession: [] }]);
    assert.deepEqual(paths['/api/session']!.post!.security, []);
    assert.deepEqual(paths['/health']!.get!.security, []);
    assert.deepEqual(paths['/metrics']!.get!.security, [{ metricsToken: [] }]);
    const notFound = ((create.responses as Record<string, Json>)['404']!.content as Record<string, Json>)['application/json']!.schema as Json;
    assert.deepEqual(notFound.required, ['error']);
  });

  test('the document lists every route the server registers, and only those (exclusions listed above)', async () => {
    const doc = JSON.parse((await call('GET', '/api/openapi.json', { auth: false })).text) as Json;
    const documented = new Set(Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) =>
      Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p.replace(/\{([^}]+)\}/g, ':$1')}`)));
    // HEAD twins of GET routes are Fastify's own (same handler): the document shows the GET.
    const registered = new Set(app.httpRoutes.filter((r) => !r.startsWith('HEAD ')));
    assert.ok(registered.size > 100, `${registered.size} routes`);
    const missing = [...registered].filter((r) => !documented.has(r) && !NOT_DOCUMENTED.has(r));
    assert.deepEqual(missing, [], 'registered routes missing from the document');
    const stale = [...documented].filter((r) => !registered.has(r));
    assert.deepEqual(stale, [], 'documented routes the server does not have');
    const hiddenButDocumented = [...NOT_DOCUMENTED].filter((r) => documented.has(r));
    assert.deepEqual(hiddenButDocumented, []);
    // Each exclusion is a real route (the assets only when the console is built).
    for (const r of NOT_DOCUMENTED) if (r !== 'GET /assets/*') assert.ok(registered.has(r), `${r} is registered`);
    // The schema table has no entry for a route that does not exist (a missing entry fails the start).
    const table = schemaRoutes({ admin: '/api/admin', self: '/api/self', session: '/api/session' });
    assert.deepEqual(table.filter((r) => !registered.has(r)), [], 'schema entries without a route');
  });

  test('unknown routes: 404 in the one shape, under /api and elsewhere, and for a missing web asset', async () => {
    oneShape(await call('GET', '/api/x'), 'not-found', 'GET /api/x');
    oneShape(await call('GET', '/nope', { auth: false }), 'not-found', 'GET /nope');
    oneShape(await call('GET', '/assets/no-such-file.js', { auth: false }), 'not-found', 'a missing asset');
    oneShape(await call('GET', '/api/admin/nope'), 'not-found', 'GET /api/admin/nope');
    oneShape(await call('GET', '/api/self/nope'), 'not-found', 'GET /api/self/nope');
    oneShape(await call('PUT', '/api/session'), 'not-found', 'PUT /api/session');
    oneShape(await call('GET', '/%zz', { auth: false }), 'bad-request', 'an undecodable URL');
  });

  test('body parsing: 415 for another content type, 413 too large, 400 for malformed JSON', async () => {
    for (const p of ['/api/admin/domains', '/api/self/credentials', '/api/session']) {
      assert.match(oneShape(await call('POST', p, { body: 'name=x', type: 'text/plain' }), 'unsupported-media-type', `text/plain to ${p}`), /application\/json/);
      oneShape(await call('POST', p, { body: '<a/>', type: 'application/xml' }), 'unsupported-media-type', `xml to ${p}`);
      oneShape(await call('POST', p, { body: '{"name": ', type: 'application/json' }), 'bad-request', `malformed JSON to ${p}`);
    }
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    oneShape(await call('POST', '/api/admin/domains', { body: big, type: 'application/json' }), 'too-large', 'a body over 1 MiB');
  });

  test('validation failures: 400 bad-request naming the field and why, before the handler', async () => {
    const json = (v: unknown) => ({ body: JSON.stringify(v), type: 'application/json' });
    assert.equal(oneShape(await call('POST', '/api/admin/accounts', json({ email: 5, password: 'x' })), 'bad-request', 'a number for a text'), '"email" must be a text');
    assert.equal(oneShape(await call('POST', '/api/admin/accounts', json({ password: 'secret-123456' })), 'bad-request', 'missing email'), '"email" is required');
    assert.equal(oneShape(await call('POST', '/api/admin/domains', json(['a.test'])), 'bad-request', 'an array body'), 'the request body must be a JSON object');
    assert.equal(oneShape(await call('PUT', '/api/admin/accounts/nobody@x.test/global-admin', json({ value: 3 })), 'bad-request', 'a number for a boolean'), '"value" must be true or false');
    assert.equal(oneShape(await call('POST', '/api/admin/accounts/a@b.test/mail/import', json({ messages: [{ raw: 'eA==' }, {}] })), 'bad-request', 'a nested field'), '"messages[1].raw" is required');
    assert.equal(oneShape(await call('GET', '/api/admin/audit?limit=1&limit=2'), 'bad-request', 'a repeated query parameter'), '"limit" must be given once');
    assert.equal(oneShape(await call('PUT', '/api/self/oof', json({ state: 5 })), 'bad-request', 'not in the enum'), '"state" must be one of 0, 1, 2');
    assert.equal(oneShape(await call('POST', '/api/session', json({ email: 'a@b.test' })), 'bad-request', 'session without password'), '"password" is required');
    // The handlers' own checks still answer where they say more (`invalid`).
    assert.match(oneShape(await call('POST', '/api/admin/devices/purge', json({ retentionPeriod: 1.5 })), 'invalid', 'a range'), /whole number of days/);
    // Text forms of booleans and numbers stay accepted, as the CLI sends them.
    const r = await call('PUT', `/api/admin/accounts/${app.admin.email}/global-admin`, json({ value: 'true' }));
    assert.equal(r.status, 200, r.text);
  });

  test('authentication and other refusals of every API are the one shape', async () => {
    const r = await call('GET', '/api/admin/domains', { auth: false });
    oneShape(r, 'unauthorized', 'admin API without credentials');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
    oneShape(await call('GET', '/api/self/devices', { auth: false }), 'unauthorized', 'self API without credentials');
    oneShape(await call('GET', '/api/session?scope=admin', { auth: false }), 'unauthorized', 'no session');
    oneShape(await call('GET', '/api/admin/accounts/nobody@nowhere.test'), 'not-found', 'an unknown account');
    const m = await call('GET', '/metrics', { auth: false });
    oneShape(m, 'unauthorized', '/metrics without its token');
    assert.match(m.headers.get('www-authenticate') ?? '', /^Bearer /);
    const ok = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/);
  });

  test('/health: 200 when the database answers, 503 in the one shape (with its status fields) when not', async () => {
    const healthy = await call('GET', '/health', { auth: false });
    assert.equal(healthy.status, 200);
    assert.equal((JSON.parse(healthy.text) as Json).status, 'ok');
    const store = app.store as { ping: () => Promise<void> };
    const ping = store.ping;
    store.ping = () => Promise.reject(new Error('database down (test)'));
    try {
      const r = await call('GET', '/health', { auth: false });
      assert.equal(r.status, 503);
      const json = JSON.parse(r.text) as Json;
      assert.deepEqual(json.error, { code: 'unavailable', message: 'the database cannot be reached' });
      assert.equal(json.status, 'unavailable');
      assert.equal(typeof json.version, 'string');
    } finally {
      store.ping = ping;
    }
  });

  test('ActiveSync keeps its protocol answers (no JSON error body)', async () => {
    const r = await call('POST', '/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=x&DeviceId=d1&DeviceType=t', { auth: false });
    assert.equal(r.status, 401);
    assert.doesNotMatch(r.text, /"error"/);
  });

  test('the README lists every error code with its status, and the source uses each with that status', () => {
    const readme = readmeErrorTable();
    const codes = new Map(Object.entries(HTTP_ERROR_CODES).map(([c, v]) => [c, v.status as number]));
    assert.deepEqual([...readme.entries()].sort(), [...codes.entries()].sort(), 'README table vs src/admin/http-errors.ts');
    // An HttpError built with a literal status names a code of that status.
    const wrong: string[] = [];
    for (const file of sourceFiles()) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new HttpError\((\d{3}), '([a-z-]+)'/g)) {
        if (codes.get(m[2]!) !== Number(m[1])) wrong.push(`${path.relative(root, file)}: ${m[1]} ${m[2]}`);
      }
      // No route sends an error body of its own making.
      if (/send\(\{\s*error:/.test(text)) wrong.push(`${path.relative(root, file)}: an error body not made by errorBody()`);
    }
    assert.deepEqual(wrong, []);
  });
});
