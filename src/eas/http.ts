// The /Microsoft-Server-ActiveSync route (MS-ASHTTP 2.2): OPTIONS, POST and an informative GET.
// Per POST: request line, Basic auth through verify(..., 'eas'), the device registry, the gate
// (suspension, wipe, policy key), the command, and one access-log line.
import { isProxyAddress } from '../core/addresses.js';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicAuth } from '../core/basic-auth.js';
import { isStoreError } from '../core/errors.js';
import { asDeviceId } from '../core/ids.js';
import type { Account, Device } from '../store/types.js';
import { EasStatusError, type EasContext, type EasDeps, type EasResponse, type RequestBody } from './command.js';
import { commands } from './commands/index.js';
import { gate } from './gate.js';
import { parseEasQuery, QueryError, versionNumber, type EasQuery } from './query.js';
import { commandStatus, Common } from './statuses.js';
import { decode, elements, encode, isWbxmlError, text, type WbxmlElement } from './wbxml/index.js';

const gzip = promisify(gzipCb);
const WBXML = 'application/vnd.ms-sync.wbxml';
const SERVER_VERSION = '16.1';
const REALM = 'ActiveSync';
const GZIP_MIN_BYTES = 1024;
/** A device's record is rewritten at most this often when nothing about it changed. */
const CONTACT_RESOLUTION_MS = 60_000;

interface Outcome {
  http: number;
  bytesOut: number;
  easStatus?: number;
}

export function easRoutes(deps: EasDeps) {
  const versions = deps.config.easVersions;
  const advertised = [...commands.values()].map((c) => c.name).join(',');
  const log = deps.log.child({ svc: 'eas' });

  const protocolHeaders = (reply: FastifyReply): void => {
    void reply.header('MS-Server-ActiveSync', SERVER_VERSION).header('MS-ASProtocolVersions', versions.join(','))
      .header('MS-ASProtocolCommands', advertised).header('Cache-Control', 'private');
  };

  async function authenticate(req: FastifyRequest, reply: FastifyReply, deviceId: string): Promise<Account | null> {
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
    await reply.code(401).header('WWW-Authenticate', `Basic realm="${REALM}"`).send();
    return null;
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

  async function send(req: FastifyRequest, reply: FastifyReply, res: EasResponse): Promise<Outcome> {
    if (res.kind === 'http') {
      for (const [k, v] of Object.entries(res.headers ?? {})) void reply.header(k, v);
      await reply.code(res.status).send();
      return { http: res.status, bytesOut: 0 };
    }
    let body: Buffer;
    let type = WBXML;
    if (res.kind === 'wbxml' && res.announceProtocol) protocolHeaders(reply);
    if (res.kind === 'wbxml') body = encode(res.root);
    else if (res.kind === 'raw') ({ body, contentType: type } = res);
    else body = Buffer.alloc(0);
    if (body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = await gzip(body);
      void reply.header('Content-Encoding', 'gzip');
    }
    await reply.code(200).header('Content-Type', type).header('Content-Length', body.length).send(body);
    const easStatus = res.kind === 'wbxml' ? statusOf(res.root) : undefined;
    return { http: 200, bytesOut: body.length, ...(easStatus !== undefined ? { easStatus } : {}) };
  }

  async function handlePost(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    const bodyBytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const line: Record<string, unknown> = { event: 'eas-request', remote: req.ip, bytesIn: bodyBytes.length };
    let outcome: Outcome = { http: 500, bytesOut: 0 };
    try {
      let q: EasQuery;
      try {
        q = parseEasQuery(rawQuery, { version: header(req, 'ms-asprotocolversion'), policyKey: header(req, 'x-ms-policykey'), acceptMultiPart: header(req, 'ms-asacceptmultipart') });
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        line.error = err.message;
        await reply.code(400).send();
        outcome = { http: 400, bytesOut: 0 };
        return;
      }
      Object.assign(line, { cmd: q.cmd, deviceId: q.deviceId, deviceType: q.deviceType, version: q.protocolVersion });
      const account = await authenticate(req, reply, q.deviceId);
      if (!account) {
        outcome = { http: 401, bytesOut: 0 };
        return;
      }
      line.account = account.email;
      const version = q.protocolVersion ?? '';
      if (!versions.includes(version)) {
        line.error = `protocol version "${version}" not offered`;
        protocolHeaders(reply);
        await reply.code(400).send();
        outcome = { http: 400, bytesOut: 0 };
        return;
      }
      if (!account.mobileSyncEnabled) {
        line.error = 'mobile sync disabled for the account';
        await reply.code(403).send();
        outcome = { http: 403, bytesOut: 0 };
        return;
      }
      const v = versionNumber(version);
      const command = commands.get(q.cmd.toLowerCase());
      if (!command || v < command.minVersion || v > command.maxVersion) {
        // MS-ASCMD 2.2.2: 14.0 and later understand Status 137 (CommandNotSupported) in the command's own
        // root; older clients, and names that are no command at all, get HTTP 501.
        line.error = 'command not supported';
        const root = v >= 140 ? commandStatus(q.cmd, Common.commandNotSupported) : null;
        outcome = root ? await send(req, reply, { kind: 'wbxml', root }) : (await reply.code(501).send(), { http: 501, bytesOut: 0 });
        return;
      }
      const { device, persistent } = await deviceFor(account, q, req, version);
      // One live held request per device: a newer request of the device ends the older one.
      if (persistent) deps.sessions.endFor(account.id, device.deviceId);
      const abort = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableEnded) abort.abort();
      });
      const ctx: EasContext = {
        deps, account, device, persistentDevice: persistent, query: q, version: v, remoteAddress: req.ip,
        userAgent: req.headers['user-agent'] ?? '', log: log.child({ account: account.email, deviceId: q.deviceId, cmd: command.name }), signal: abort.signal,
      };
      const g = await gate(ctx, command);
      if (!g.ok) {
        line.gate = g.reason;
        outcome = await send(req, reply, refusal(command.name, v, g.status));
        return;
      }
      let body: RequestBody;
      if (command.body === 'raw') body = { kind: 'raw', bytes: bodyBytes };
      else body = { kind: 'wbxml', root: bodyBytes.length === 0 ? null : decode(bodyBytes) };
      let res: EasResponse;
      try {
        res = await command.run(ctx, body);
      } catch (err) {
        if (!(err instanceof EasStatusError)) throw err;
        line.error = err.message;
        res = statusResponse(command.name, err.status);
      }
      outcome = await send(req, reply, res);
    } catch (err) {
      outcome = await failure(req, reply, err, line);
    } finally {
      log.info({ ...line, status: outcome.http, easStatus: outcome.easStatus, ms: Math.round(performance.now() - started), bytesOut: outcome.bytesOut }, 'eas');
    }
  }

  async function failure(_req: FastifyRequest, reply: FastifyReply, err: unknown, line: Record<string, unknown>): Promise<Outcome> {
    if (reply.sent) return { http: reply.statusCode, bytesOut: 0 };
    if (isWbxmlError(err)) {
      line.error = `malformed WBXML: ${err.code}`;
      await reply.code(400).send();
      return { http: 400, bytesOut: 0 };
    }
    if (isStoreError(err, 'temporary')) {
      line.error = 'store unavailable';
      await reply.code(503).header('Retry-After', '30').send();
      return { http: 503, bytesOut: 0 };
    }
    log.error({ err, cmd: line.cmd, account: line.account }, 'EAS command failed');
    line.error = 'internal error';
    await reply.code(500).send();
    return { http: 500, bytesOut: 0 };
  }

  return (app: FastifyInstance): Promise<void> => {
    // ActiveSync bodies are WBXML or MIME whatever the Content-Type says: take them as bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.easMaxRequestBytes }, (_req, body, done) => done(null, body));
    app.setErrorHandler(async (err, _req, reply) => {
      const code = (err as { statusCode?: number }).statusCode ?? 500;
      if (code >= 500) log.error({ err }, 'EAS request failed');
      await reply.code(code === 413 ? 413 : code >= 400 && code < 500 ? 400 : 500).send();
    });
    const path = '/Microsoft-Server-ActiveSync';
    app.options(path, async (req, reply) => {
      if (!(await authenticate(req, reply, ''))) return;
      protocolHeaders(reply);
      await reply.code(200).header('Allow', 'OPTIONS,POST').header('Public', 'OPTIONS,POST').send();
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

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A common status in the command's root, or the HTTP form that 2.5 to 12.1 understand (MS-ASCMD 2.2.2). */
function refusal(command: string, version: number, status: number): EasResponse {
  if (version < 140) return { kind: 'http', status: status === Common.deviceBlocked ? 403 : 449 };
  const root = commandStatus(command, status);
  return root ? { kind: 'wbxml', root } : { kind: 'http', status: 449 };
}

function statusResponse(command: string, status: number): EasResponse {
  const root = commandStatus(command, status);
  return root ? { kind: 'wbxml', root } : { kind: 'http', status: 500 };
}

/** The top-level Status of a response, for the access log. */
function statusOf(root: WbxmlElement): number | undefined {
  const st = elements(root).find((e) => e.tag === 'Status');
  return st ? Number(text(st)) : undefined;
}
