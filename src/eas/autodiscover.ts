// MS-ASCMD 2.2.1.1 Autodiscover: POST /autodiscover/autodiscover.xml (any case, through the router's
// case-insensitive option) with the mobilesync request schema, answered with the mobilesync response
// schema (MS-ASCMD 6.2) naming the public URL + /Microsoft-Server-ActiveSync. Basic auth goes
// through verify(..., 'eas'), so the mobile password rules are the endpoint's own. A schema we do not
// serve (Outlook's) gets the generic Autodiscover Error response, as Exchange answers it.
import { isProxyAddress } from '../core/addresses.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicAuth } from '../core/basic-auth.js';
import type { Config } from '../config.js';
import type { Account } from '../store/types.js';
import type { EasDeps } from './command.js';
import { HttpRefusal } from './refusal.js';
import { requireService } from './service-gate.js';

export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';
const REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const MOBILESYNC_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const MAX_REQUEST_BYTES = 16 * 1024;
const REALM = 'ActiveSync';

/** What the request asks, or why it cannot be read. */
type Parsed = { ok: true; email: string; schema: string; namespace: string } | { ok: false; reason: string };

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REF = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g;

/** Text content with the five predefined entities and character references resolved; null when not well-formed. */
function unescapeXml(s: string): string | null {
  // Any other '&' would be an undeclared entity: refuse rather than guess.
  if (s.replace(REF, '').includes('&')) return null;
  let bad = false;
  const out = s.replace(REF, (_m, ref: string) => {
    if (!ref.startsWith('#')) return entities[ref] ?? '';
    const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (cp > 0 && cp <= 0x10ffff) return String.fromCodePoint(cp);
    bad = true;
    return '';
  });
  return bad ? null : out.trim();
}

/**
 * A deliberately small reader for a three-element document. No DTD is ever processed: a document
 * with a DOCTYPE, an entity declaration or a processing instruction other than the XML declaration
 * is refused outright, which closes the door on XXE and entity expansion.
 */
export function parseAutodiscoverRequest(xml: string): Parsed {
  if (/<!DOCTYPE|<!ENTITY|<!\[CDATA\[/i.test(xml)) return { ok: false, reason: 'DTDs, entities and CDATA are not accepted' };
  const body = xml.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^?]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  if (body.includes('<?') || body.includes('<!')) return { ok: false, reason: 'unexpected markup' };
  const root = /^\s*<(?:([A-Za-z_][\w.-]*):)?Autodiscover\b([^>]*)>/.exec(body);
  if (!root) return { ok: false, reason: 'no Autodiscover element' };
  const prefix = root[1];
  const attrs = root[2] ?? '';
  const nsAttr = new RegExp(`\\bxmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
  const namespace = nsAttr ? (nsAttr[2] ?? nsAttr[3] ?? '') : '';
  const field = (name: string): string | null => {
    const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`).exec(body);
    return m ? unescapeXml(m[1] ?? '') : null;
  };
  const email = field('EMailAddress');
  const schema = field('AcceptableResponseSchema');
  if (email === null || schema === null) return { ok: false, reason: 'EMailAddress or AcceptableResponseSchema missing' };
  return { ok: true, email, schema, namespace };
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';

/** The mobilesync answer (MS-ASCMD 4.2.4) naming the ActiveSync URL. */
export function mobileSyncResponse(account: Account, url: string): string {
  return XML_HEAD
    + `<Autodiscover xmlns="${RESPONSE_NS}">\n`
    + `  <Response xmlns="${MOBILESYNC_NS}">\n`
    + '    <Culture>en:us</Culture>\n'
    + '    <User>\n'
    + (account.displayName ? `      <DisplayName>${escapeXml(account.displayName)}</DisplayName>\n` : '')
    + `      <EMailAddress>${escapeXml(account.email)}</EMailAddress>\n`
    + '    </User>\n'
    + '    <Action>\n      <Settings>\n        <Server>\n'
    + '          <Type>MobileSync</Type>\n'
    + `          <Url>${escapeXml(url)}</Url>\n`
    + `          <Name>${escapeXml(url)}</Name>\n`
    + '        </Server>\n      </Settings>\n    </Action>\n'
    + '  </Response>\n</Autodiscover>\n';
}

/** The mobilesync error form (MS-ASCMD 4.2.2): Status 2, protocol error. */
export function mobileSyncError(email: string, message: string): string {
  return XML_HEAD
    + `<Autodiscover xmlns="${RESPONSE_NS}">\n`
    + `  <Response xmlns="${MOBILESYNC_NS}">\n`
    + '    <Culture>en:us</Culture>\n'
    + `    <User>\n      <EMailAddress>${escapeXml(email)}</EMailAddress>\n    </User>\n`
    + `    <Action>\n      <Error>\n        <Status>2</Status>\n        <Message>${escapeXml(message)}</Message>\n        <DebugData>MobileSync</DebugData>\n      </Error>\n    </Action>\n`
    + '  </Response>\n</Autodiscover>\n';
}

/** The generic Autodiscover error (no mobilesync part): 600 invalid request, 601 no provider for the schema. */
export function genericError(code: 600 | 601, message: string, now = new Date()): string {
  return XML_HEAD
    + `<Autodiscover xmlns="${RESPONSE_NS}">\n`
    + '  <Response>\n'
    + `    <Error Time="${now.toISOString().slice(11, 19)}" Id="0">\n`
    + `      <ErrorCode>${code}</ErrorCode>\n      <Message>${escapeXml(message)}</Message>\n      <DebugData />\n`
    + '    </Error>\n  </Response>\n</Autodiscover>\n';
}

export interface AutodiscoverDeps extends Pick<EasDeps, 'auth' | 'log' | 'store'> {
  /** Which client addresses are proxies' own (never locked out). */
  config: Pick<Config, 'trustedProxies'>;
  /** The server's public URL, read per request: the app resolves it once its listeners are bound. */
  publicUrl: () => string;
}

export function autodiscoverRoutes(deps: AutodiscoverDeps) {
  const log = deps.log.child({ svc: 'autodiscover' });

  const sendXml = (reply: FastifyReply, status: number, xml: string): FastifyReply =>
    reply.code(status).header('Content-Type', 'text/xml; charset=utf-8').header('Cache-Control', 'private, no-store').send(xml);

  async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Account | null> {
    const creds = parseBasicAuth(req.headers.authorization);
    if (creds) {
      const r = await deps.auth.verify(creds.user, creds.pass, 'eas', { remoteAddress: req.ip, addressIsProxy: isProxyAddress(deps.config.trustedProxies, req.ip) });
      if (r.ok) return r.account;
      // The same fixed-format failure line as the ActiveSync endpoint, for fail2ban.
      log.warn({ event: 'eas-auth-failure', account: r.login, deviceId: 'autodiscover', remote: req.ip, reason: r.reason }, `EAS login failed for ${r.login || '-'} device autodiscover from ${req.ip}`);
    }
    await reply.code(401).header('WWW-Authenticate', `Basic realm="${REALM}"`).send();
    return null;
  }

  async function handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    // `carbonio mobile doStopService autodiscover|module`: 503 until started again (src/eas/service-gate.ts).
    try {
      await requireService(deps.store, 'autodiscover');
    } catch (err) {
      if (!(err instanceof HttpRefusal)) throw err;
      log.info({ event: 'autodiscover', remote: req.ip, error: err.reason }, 'autodiscover request refused');
      await reply.code(err.code).headers(err.headers).send();
      return;
    }
    const account = await authenticate(req, reply);
    if (!account) return;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const parsed = parseAutodiscoverRequest(raw);
    if (!parsed.ok) {
      log.info({ event: 'autodiscover', account: account.email, error: parsed.reason }, 'autodiscover request refused');
      await sendXml(reply, 200, genericError(600, 'Invalid Request'));
      return;
    }
    if (parsed.namespace !== REQUEST_NS || parsed.schema !== MOBILESYNC_NS) {
      // Outlook's POX schema and friends: this server only speaks mobilesync.
      log.info({ event: 'autodiscover', account: account.email, error: 'schema not served', schema: parsed.schema.slice(0, 200) }, 'autodiscover request refused');
      await sendXml(reply, 200, genericError(601, 'Provider is not available'));
      return;
    }
    if (parsed.email.toLowerCase() !== account.email) {
      // Answered the same way whether that address exists or not: nothing to learn about others.
      log.info({ event: 'autodiscover', account: account.email, error: 'address of another account' }, 'autodiscover request refused');
      await sendXml(reply, 200, mobileSyncError(parsed.email, 'The e-mail address does not belong to the authenticated user'));
      return;
    }
    if (!account.mobileSyncEnabled) {
      await sendXml(reply, 200, mobileSyncError(account.email, 'ActiveSync is not enabled for this account'));
      return;
    }
    log.info({ event: 'autodiscover', account: account.email }, 'autodiscover answered');
    await sendXml(reply, 200, mobileSyncResponse(account, `${deps.publicUrl()}/Microsoft-Server-ActiveSync`));
  }

  return (app: FastifyInstance): Promise<void> => {
    // The request is XML whatever its Content-Type says (text/xml, application/xml, none): take bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES }, (_req, body, done) => done(null, body));
    app.setErrorHandler(async (err, _req, reply) => {
      const code = (err as { statusCode?: number }).statusCode ?? 500;
      if (code >= 500) log.error({ err }, 'autodiscover request failed');
      await reply.code(code === 413 ? 413 : code >= 400 && code < 500 ? 400 : 500).send();
    });
    app.post(AUTODISCOVER_PATH, handle);
    return Promise.resolve();
  };
}
