// The /Microsoft-Server-ActiveSync route (MS-ASHTTP 2.2): OPTIONS, POST and an informative GET.
// Per POST: request line, Basic auth through verify(..., 'eas'), the device registry, the gate
// (suspension, wipe, policy key), the command, and in one place (`finally`) the access-log line and the
// request counter. Refusals on the way are thrown (HttpRefusal) and, like every other error, answered
// by `failure` (src/eas/refusal.ts answerFor: the command's error table, 503 for a store that is away).
import { isProxyAddress } from '../core/addresses.js';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicAuth } from '../core/basic-auth.js';
import { lengthOf, type ByteParts } from '../core/byte-parts.js';
import { asDeviceId } from '../core/ids.js';
import { countEasRequest } from '../core/metrics.js';
import { offeredVersions } from '../devices/eas-filters.js';
import type { Account, Device } from '../store/types.js';
import type { EasCommand, EasContext, EasDeps, EasResponse } from './command.js';
import { syncedStore } from './synced-store.js';
import { ClientGone } from './client-gone.js';
import { RequestContext } from './request-context.js';
import { accountTrace, type AccountTrace } from './account-log.js';
import { requireNotJailed, requireService } from './service-gate.js';
import { abqGate } from './abq-gate.js';
import { commands } from './commands/index.js';
import { gate } from './gate.js';
import { LargeBodies } from './large-body.js';
import { readBody } from './request-body.js';
import { parseEasQuery, QueryError, versionNumber, type EasQuery } from './query.js';
import { answerFor, HttpRefusal, refusal } from './refusal.js';
import { commandStatus, Common } from './statuses.js';
import { elements, encode, text, type WbxmlElement } from './wbxml/index.js';

const gzip = promisify(gzipCb);
const WBXML = 'application/vnd.ms-sync.wbxml';
const SERVER_VERSION = '16.1';
const REALM = 'ActiveSync';
const GZIP_MIN_BYTES = 1024;
/** A device's record is rewritten at most this often when nothing about it changed. */
const CONTACT_RESOLUTION_MS = 60_000;

/** What the access line and the metrics need of a request, filled in as it goes. */
interface RequestState {
  outcome: Outcome;
  command: EasCommand | null;
  /** Whether the command itself ran (its errors then map through its own table). */
  ran: boolean;
  trace: AccountTrace | null;
}

/** A request through all the checks: the command to run, its context, the versions offered. */
interface Admitted {
  ctx: EasContext;
  command: EasCommand;
  offered: readonly string[];
}

interface Outcome {
  http: number;
  bytesOut: number;
  easStatus?: number;
  /** What was sent, for an account logger. */
  response?: EasResponse;
}

export function easRoutes(allDeps: EasDeps) {
  // Folders excluded from mobile sync do not exist for any command (synced-store.ts).
  const deps: EasDeps = { ...allDeps, store: syncedStore(allDeps.store) };
  const versions = deps.config.easVersions;
  const advertised = [...commands.values()].map((c) => c.name).join(',');
  const log = deps.log.child({ svc: 'eas' });
  // What this server's large bodies left behind, for the collection before the next one (large-body.ts).
  const largeBodies = new LargeBodies();
  const antiDos = { store: deps.store, delivery: deps.outgoing.delivery, log };

  /** What the server speaks to this client (MS-ASHTTP 2.2.4): on OPTIONS, with a version refusal, and on a fresh FolderSync. */
  const protocolHeaders = (offered: readonly string[]): Record<string, string> => ({
    'MS-Server-ActiveSync': SERVER_VERSION, 'MS-ASProtocolVersions': offered.join(','), 'MS-ASProtocolCommands': advertised, 'Cache-Control': 'private',
  });

  /** The configured versions through the EAS version filters for this user agent and account (src/devices/eas-filters.ts). */
  async function versionsFor(req: FastifyRequest, account: Account, line?: Record<string, unknown>): Promise<readonly string[]> {
    const o = await offeredVersions(deps.store, versions, { userAgent: req.headers['user-agent'] ?? '', email: account.email });
    if (o.skipped.length > 0 && line) line.filtersSkipped = o.skipped;
    return o.versions;
  }

  /** The account of the request's credentials; HttpRefusal 401 otherwise. */
  async function authenticate(req: FastifyRequest, deviceId: string): Promise<Account> {
    const creds = parseBasicAuth(req.headers.authorization);
    if (creds) {
      // The DeviceId makes a phone familiar to its account (its logins survive others' failures); the
      // `validate` probe of setup wizards is no device.
      const device = deviceId && deviceId.toLowerCase() !== 'validate' ? { deviceId } : {};
      const r = await deps.auth.verify(creds.user, creds.pass, 'eas', { remoteAddress: req.ip, addressIsProxy: isProxyAddress(deps.config.trustedProxies, req.ip), ...device });
      if (r.ok) return r.account;
      // One fixed-format line per failure, for fail2ban: account, device, address.
      log.warn({ event: 'eas-auth-failure', account: r.login, deviceId, remote: req.ip, reason: r.reason }, `EAS login failed for ${r.login || '-'} device ${deviceId || '-'} from ${req.ip}`);
    }
    throw new HttpRefusal(401, 'authentication required', { 'WWW-Authenticate': `Basic realm="${REALM}"` });
  }

  /** Loads the device, recording this contact (throttled); the `validate` probe is never stored. */
  async function deviceFor(account: Account, q: EasQuery, req: FastifyRequest, version: string): Promise<{ device: Device; persistent: boolean }> {
    const now = Date.now();
    const contact = { deviceType: q.deviceType, userAgent: req.headers['user-agent'] ?? '', protocolVersion: version, address: req.ip, at: now };
    const deviceId = asDeviceId(q.deviceId);
    if (q.deviceId.toLowerCase() === 'validate') {
      const transient: Device = {
        accountId: account.id, deviceId, deviceType: q.deviceType, userAgent: contact.userAgent, protocolVersion: version, info: {},
        status: 0, policyKey: 0, pendingPolicyKey: 0, policyHash: '', wipeAccountOnly: false, wipeRequestedAt: null, wipeDoneAt: null,
        firstSeen: now, lastSeen: now, lastAddress: req.ip,
      };
      return { device: transient, persistent: false };
    }
    const d = await deps.store.devices.get(account.id, deviceId);
    const unchanged = d && d.lastSeen > now - CONTACT_RESOLUTION_MS && d.userAgent === contact.userAgent
      && d.protocolVersion === version && d.lastAddress === req.ip && d.deviceType === q.deviceType;
    return { device: unchanged ? d : await deps.store.devices.recordContact(account.id, deviceId, contact), persistent: true };
  }

  async function send(req: FastifyRequest, reply: FastifyReply, res: EasResponse, offered: readonly string[] = versions): Promise<Outcome> {
    if (res.kind === 'http') {
      for (const [k, v] of Object.entries(res.headers ?? {})) void reply.header(k, v);
      await reply.code(res.status).send();
      return { http: res.status, bytesOut: 0, response: res };
    }
    let body: Buffer;
    let type = WBXML;
    if (res.kind === 'wbxml' && res.announceProtocol) void reply.headers(protocolHeaders(offered));
    if (res.kind === 'wbxml') body = encode(res.root);
    else if (res.kind === 'raw') ({ body, contentType: type } = res);
    else body = Buffer.alloc(0);
    if (body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = await gzip(body);
      void reply.header('Content-Encoding', 'gzip');
    }
    await reply.code(200).header('Content-Type', type).header('Content-Length', body.length).send(body);
    const easStatus = res.kind === 'wbxml' ? statusOf(res.root) : undefined;
    return { http: 200, bytesOut: body.length, response: res, ...(easStatus !== undefined ? { easStatus } : {}) };
  }

  /** The request line (MS-ASHTTP 2.2.1.1.1); HttpRefusal 400 when it cannot be read. */
  function readQuery(req: FastifyRequest): EasQuery {
    const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    try {
      return parseEasQuery(rawQuery, { version: header(req, 'ms-asprotocolversion'), policyKey: header(req, 'x-ms-policykey'), acceptMultiPart: header(req, 'ms-asacceptmultipart') });
    } catch (err) {
      if (err instanceof QueryError) throw new HttpRefusal(400, err.message);
      throw err;
    }
  }

  /** The command the request names at its version; else Status 137 in its root (14.0 and later) or HttpRefusal 501. */
  function commandFor(q: EasQuery, v: number): EasCommand | EasResponse {
    const command = commands.get(q.cmd.toLowerCase());
    if (command && v >= command.minVersion && v <= command.maxVersion) return command;
    // MS-ASCMD 2.2.2: 14.0 and later understand Status 137 (CommandNotSupported) in the command's own
    // root; older clients, and names that are no command at all, get HTTP 501.
    const root = v >= 140 ? commandStatus(q.cmd, Common.commandNotSupported) : null;
    if (!root) throw new HttpRefusal(501, 'command not supported');
    return { kind: 'wbxml', root };
  }

  /** The command's context: the device (this contact recorded), its older held request ended, an abort signal. */
  async function contextFor(req: FastifyRequest, reply: FastifyReply, account: Account, q: EasQuery, command: EasCommand): Promise<EasContext> {
    const version = q.protocolVersion ?? '';
    const { device, persistent } = await deviceFor(account, q, req, version);
    // One live held request per device: a newer request of the device ends the older one.
    if (persistent) deps.sessions.endFor(account.id, device.deviceId);
    return new RequestContext({
      deps, account, device, persistentDevice: persistent, query: q, version: versionNumber(version), remoteAddress: req.ip,
      userAgent: req.headers['user-agent'] ?? '', signal: new ClientGone(reply.raw), parentLog: log, command: command.name,
    });
  }

  async function handlePost(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const bodyBytes = bodyOf(req);
    const line: Record<string, unknown> = { event: 'eas-request', remote: req.ip, bytesIn: lengthOf(bodyBytes) };
    const st: RequestState = { outcome: { http: 500, bytesOut: 0 }, command: null, ran: false, trace: null };
    try {
      // The checks run in admit's frame, gone while the command runs: a held Ping keeps only this one.
      const a = await admit(req, reply, bodyBytes, line, st);
      if (a) {
        st.ran = true;
        forgetHeaders(req);
        st.outcome = await send(req, reply, await a.command.run(a.ctx, bodyBytes), a.offered);
      }
    } catch (err) {
      st.outcome = await failure(req, reply, err, line, st.command, st.ran);
    } finally {
      const { outcome } = st;
      const ms = Math.round(performance.now() - started);
      log.info({ ...line, status: outcome.http, easStatus: outcome.easStatus, ms, bytesOut: outcome.bytesOut }, 'eas');
      st.trace?.done({ ...outcome, ms }); // the account logger's record, if any
      countEasRequest(st.command?.name ?? 'unknown', outcome.http, outcome.easStatus);
    }
  }

  /**
   * The request line, the service, the credentials, the jails, the version, the command, the device and
   * its gates (provisioning, ABQ): what to run, or null once a refusal was sent (into `st.outcome`).
   */
  async function admit(req: FastifyRequest, reply: FastifyReply, bodyBytes: ByteParts, line: Record<string, unknown>, st: RequestState): Promise<Admitted | null> {
    const q = readQuery(req);
    Object.assign(line, { cmd: q.cmd, deviceId: q.deviceId, deviceType: q.deviceType, version: q.protocolVersion });
    // Hook: `carbonio mobile doStopService activesync|module` (src/eas/service-gate.ts).
    await requireService(deps.store, 'activesync');
    const account = await authenticate(req, q.deviceId);
    line.account = account.email;
    // Account loggers (account-log.ts): null, after one Map lookup, for an account without one.
    const t = accountTrace(deps, account, { cmd: q.cmd, deviceId: q.deviceId, deviceType: q.deviceType, userAgent: req.headers['user-agent'] ?? '', version: q.protocolVersion ?? '', body: bodyBytes });
    const trace = (st.trace = t instanceof Promise ? await t : t);
    // Hook: anti-DoS jails, per account and device, before any work for the device (service-gate.ts).
    await requireNotJailed(antiDos, account, q.deviceId, req.ip);
    const version = q.protocolVersion ?? '';
    const offered = await versionsFor(req, account, line);
    if (!offered.includes(version)) throw new HttpRefusal(400, `protocol version "${version}" not offered`, protocolHeaders(offered));
    if (!account.mobileSyncEnabled) throw new HttpRefusal(403, 'mobile sync disabled for the account');
    const v = versionNumber(version);
    const found = commandFor(q, v);
    if (!('run' in found)) {
      line.error = 'command not supported';
      st.outcome = await send(req, reply, found);
      return null;
    }
    const command = (st.command = found);
    const ctx = await contextFor(req, reply, account, q, command);
    if (trace) ctx.onRequestTree = trace.requestTree;
    const g = await gate(ctx, command);
    if (!g.ok) {
      line.gate = g.reason;
      st.outcome = await send(req, reply, refusal(command.name, v, g.status));
      return null;
    }
    // ABQ (issue 15): a Blocked or Quarantined device runs against its stand-in mailbox (abq-gate.ts).
    const abq = await abqGate(ctx, command);
    if (!abq.ok) {
      line.gate = abq.reason;
      st.outcome = await send(req, reply, abq.res);
      return null;
    }
    if (abq.status !== 'Allowed') line.abq = abq.status;
    // A copy of its length: the list came from a filter, which reserves room for more.
    return { ctx: abq.ctx, command, offered: offered.slice() };
  }

  /** Every error of a request ends here: an answer the client understands, or 500 with the error logged. */
  async function failure(req: FastifyRequest, reply: FastifyReply, err: unknown, line: Record<string, unknown>, command: EasCommand | null, ran: boolean): Promise<Outcome> {
    if (reply.sent) return { http: reply.statusCode, bytesOut: 0 };
    const answer = answerFor(err, command, ran);
    if (answer) {
      line.error = answer.reason;
      return send(req, reply, answer.res);
    }
    log.error({ err, cmd: line.cmd, account: line.account }, 'EAS command failed');
    line.error = 'internal error';
    await reply.code(500).send();
    return { http: 500, bytesOut: 0 };
  }

  return (app: FastifyInstance): Promise<void> => {
    // ActiveSync bodies are WBXML or MIME whatever the Content-Type says: take them as bytes.
    app.removeAllContentTypeParsers();
    // Fastify makes a pino child per request (reqId, and the route's level): kept by every held Ping, that
    // is about 1.2 KB each (issue 16 part 2). EAS logs its own access line per request, so its routes share
    // one logger per level instead.
    const routeLogs = new Map<string, FastifyBaseLogger>();
    app.setChildLoggerFactory((logger, _bindings, opts) => {
      const level = opts.level ?? '';
      let l = routeLogs.get(level);
      if (!l) routeLogs.set(level, (l = logger.child({ svc: 'eas-http' }, opts)));
      return l;
    });
    // A large body stays in the chunks it arrived in (src/eas/request-body.ts).
    app.addContentTypeParser('*', (req: FastifyRequest, payload: IncomingMessage) => readBody(payload, Number(req.headers['content-length']), deps.config.easMaxRequestBytes, (n) => largeBodies.read(n))
      .catch((err: unknown) => {
        // No command runs: a body over the limit, or a client gone mid-upload (nothing of it is kept).
        log.info({ event: 'eas-body-unread', remote: req.ip, reason: err instanceof Error ? err.message : String(err) }, 'request body not read');
        throw err;
      }));
    // Before a large body is read, the previous large ones are collected (src/eas/large-body.ts).
    app.addHook('onRequest', (req, _reply, done) => {
      if (req.method === 'POST') largeBodies.beforeBody(Number(req.headers['content-length']), deps.config.easMaxRequestBytes);
      done();
    });
    // Errors before the handler runs (a body over the limit): no command was looked at yet.
    app.setErrorHandler(async (err, req, reply) => {
      const code = (err as { statusCode?: number }).statusCode ?? 500;
      if (code >= 500) log.error({ err }, 'EAS request failed');
      const status = code === 413 ? 413 : code >= 400 && code < 500 ? 400 : 500;
      await reply.code(status).send();
      if (req.method === 'POST') countEasRequest('unknown', status, undefined);
    });
    const path = '/Microsoft-Server-ActiveSync';
    app.options(path, async (req, reply) => {
      let account: Account;
      try {
        await requireService(deps.store, 'activesync');
        account = await authenticate(req, '');
      } catch (err) {
        if (!(err instanceof HttpRefusal)) throw err;
        await send(req, reply, { kind: 'http', status: err.code, headers: err.headers });
        return;
      }
      await reply.code(200).headers(protocolHeaders(await versionsFor(req, account))).header('Allow', 'OPTIONS,POST').header('Public', 'OPTIONS,POST').send();
    });
    app.post(path, handlePost);
    app.get(path, async (_req, reply) => {
      await reply.code(200).type('text/html; charset=utf-8').send(
        '<!doctype html><title>ActiveSync</title><h1>Exchange ActiveSync</h1>'
        + '<p>This is the ActiveSync endpoint of carbonio-mobile. Point your phone\'s Exchange account at this server; '
        + 'use your mobile password if your administrator gave you one.</p>',
      );
    });
    return Promise.resolve();
  };
}

/**
 * Once the request is admitted, its raw header list (a second copy of every header) and its credentials
 * are not needed: a held Ping would keep both for up to an hour, some 600 bytes and a password in memory
 * (issue 16 part 2). `headers` is read first, as Node builds it from the raw list when first asked.
 */
function forgetHeaders(req: FastifyRequest): void {
  const raw = req.raw;
  // Set, not deleted: a delete turns the object into a dictionary of some 800 bytes.
  if (raw.headers.authorization !== undefined) raw.headers.authorization = undefined;
  raw.rawHeaders = [];
}

/** The body as request-body.ts read it: one Buffer, or the chunks of a large one. */
function bodyOf(req: FastifyRequest): ByteParts {
  const b = req.body;
  return Buffer.isBuffer(b) || (Array.isArray(b) && b.every((c) => Buffer.isBuffer(c))) ? b : Buffer.alloc(0);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The top-level Status of a response, for the access log. */
function statusOf(root: WbxmlElement): number | undefined {
  const st = elements(root).find((e) => e.tag === 'Status');
  return st ? Number(text(st)) : undefined;
}
