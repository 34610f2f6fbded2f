// Environment -> typed, validated configuration. A bad value stops the start with one clear line
// naming the variable; every variable here is listed in README.md with its default.
import path from 'node:path';
import { parseTrustEntry } from './core/addresses.js';
import { ConfigError } from './core/errors.js';

export interface KdfParams {
  /** scrypt cost as log2(N). */
  log2N: number;
  r: number;
  p: number;
}

export interface AuthLimits {
  /** Failures per account within the window before a temporary lockout. */
  maxFailuresPerAccount: number;
  /** Failures per client address within the window before a temporary lockout. */
  maxFailuresPerAddress: number;
  /** How long a lockout (and the failure window) lasts. */
  lockoutMs: number;
  /** Base of the growing delay added to each failed attempt (doubles per failure, capped at 5 s). */
  failureDelayMs: number;
  /** Lifetime of a verification-cache entry. */
  cacheTtlMs: number;
}

export interface MailAccessLimits {
  /** Simultaneous IMAP + POP3 connections of one account, counted per server process. */
  maxPerAccount: number;
  /** Simultaneous IMAP + POP3 connections from one client address, counted per server process. */
  maxPerAddress: number;
  /** IMAP autologout (RFC 9051 section 5.4: at least 30 minutes). Not an env var: tests shorten it. */
  imapIdleMs: number;
  /** POP3 autologout (RFC 1939 section 3: at least 10 minutes). Not an env var: tests shorten it. */
  pop3IdleMs: number;
}

export interface TlsFiles {
  /** PEM certificate chain, leaf first. */
  certFile: string;
  /** PEM private key of the leaf. */
  keyFile: string;
}

export interface Config {
  dataDir: string;
  /** Where account loggers may write (doAddAccountLogger): their files must be inside it. */
  logDir: string;
  /** Where `backup create` (POST /api/admin/backup) may write SQLite backups: their files must be inside it. */
  backupDir: string;
  /** Pages an online backup copies per step between requests: speed against request latency meanwhile. */
  backupStepPages: number;
  /** `postgres://...` or the path of the SQLite file. */
  db: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  bindAddress: string;
  /** Plain HTTP (for loopback or a TLS proxy in front); null when turned off (`off`, needs TLS). */
  httpPort: number | null;
  smtpPort: number;
  submissionPort: number;
  /** Native TLS from PEM files; null: no HTTPS, no STARTTLS, no implicit TLS submission. */
  tls: TlsFiles | null;
  /** HTTPS listener (same routes as HTTP), when TLS is configured. */
  httpsPort: number;
  /** Implicit-TLS submission (RFC 8314), when TLS is configured. */
  smtpsPort: number;
  /**
   * AUTH (SMTP), LOGIN/AUTHENTICATE (IMAP), USER/PASS/AUTH (POP3) over an unencrypted connection from a
   * non-loopback client (default: refused: SMTP 538 5.7.11, IMAP LOGINDISABLED, POP3 -ERR).
   */
  allowPlaintextAuth: boolean;
  /** IMAP (STARTTLS when TLS is configured); null when turned off (`off`). */
  imapPort: number | null;
  /** Implicit-TLS IMAP (RFC 8314), when TLS is configured; null when turned off. */
  imapsPort: number | null;
  /** POP3 (STLS when TLS is configured); null when turned off (`off`). */
  pop3Port: number | null;
  /** Implicit-TLS POP3 (RFC 8314), when TLS is configured; null when turned off. */
  pop3sPort: number | null;
  /** What IMAP and POP3 share (src/access): connection limits and idle time-outs. */
  mailAccess: MailAccessLimits;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For / -Proto and PROXY headers are believed. */
  trustedProxies: string[];
  /** Accept the PROXY protocol (v1) header on the SMTP listeners, from the trusted proxies only. */
  smtpProxyProtocol: boolean;
  defaultDomain: string;
  adminPassword: string | undefined;
  publicUrl: string;
  relayUrl: string | undefined;
  maxMessageBytes: number;
  /** ActiveSync protocol versions offered, e.g. ["2.5", ..., "16.1"]. */
  easVersions: string[];
  /** Largest ActiveSync request body accepted. */
  easMaxRequestBytes: number;
  logLevel: string;
  /** CARBONIO_LOG_FORMAT: JSON lines (default) or one human-readable line per record. */
  logFormat: 'json' | 'pretty';
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Audit trail entries are kept this many days (CARBONIO_AUDIT_DAYS). */
  auditDays: number;
  /** Web console sessions: idle time-out and maximum age. */
  web: { sessionIdleMs: number; sessionMaxAgeMs: number };
  kdf: KdfParams;
  auth: AuthLimits;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A port, or null for `off`. */
function portOrOff(env: Env, name: string, def: number): number | null {
  return env[name]?.trim().toLowerCase() === 'off' ? null : int(env, name, def, 0, 65535);
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${redactUrl(raw)}"`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${u.protocol}"`);
  }
  return raw;
}

/** Hide the password part of a URL before it is shown or logged. */
export function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

const domainRe = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
export const isValidDomain = (d: string): boolean => domainRe.test(d);

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.CARBONIO_DATA_DIR || './data');
  const dbUrl = url(env, 'CARBONIO_DB_URL', ['postgres:', 'postgresql:', 'sqlite:']);
  let db: Config['db'];
  if (dbUrl === undefined) db = { kind: 'sqlite', file: path.join(dataDir, 'carbonio.sqlite') };
  else if (dbUrl.startsWith('sqlite:')) {
    const file = dbUrl.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new ConfigError('CARBONIO_DB_URL sqlite: needs a file path, e.g. sqlite:///var/lib/carbonio/db.sqlite');
    db = { kind: 'sqlite', file: path.resolve(file) };
  } else db = { kind: 'postgres', url: dbUrl };

  const httpOff = env.CARBONIO_HTTP_PORT?.trim().toLowerCase() === 'off';
  const httpPort = httpOff ? null : int(env, 'CARBONIO_HTTP_PORT', 8080, 0, 65535);
  const certFile = env.CARBONIO_TLS_CERT_FILE || undefined;
  const keyFile = env.CARBONIO_TLS_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('CARBONIO_TLS_CERT_FILE and CARBONIO_TLS_KEY_FILE go together: set both or neither');
  }
  const tls = certFile && keyFile ? { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) } : null;
  if (httpPort === null && !tls) throw new ConfigError('CARBONIO_HTTP_PORT=off needs TLS (CARBONIO_TLS_CERT_FILE and CARBONIO_TLS_KEY_FILE): nothing would serve HTTP');
  const httpsPort = int(env, 'CARBONIO_HTTPS_PORT', 8443, 0, 65535);
  const trustedProxies = (env.CARBONIO_TRUSTED_PROXIES ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of trustedProxies) {
    if (!parseTrustEntry(e)) throw new ConfigError(`CARBONIO_TRUSTED_PROXIES: "${e}" is not an IP address or CIDR range`);
  }
  const smtpProxyProtocol = bool(env, 'CARBONIO_SMTP_PROXY_PROTOCOL', false);
  if (smtpProxyProtocol && trustedProxies.length === 0) {
    throw new ConfigError('CARBONIO_SMTP_PROXY_PROTOCOL=true needs CARBONIO_TRUSTED_PROXIES: anyone could otherwise claim any client address');
  }
  const defaultDomain = (env.CARBONIO_DEFAULT_DOMAIN || 'example.com').toLowerCase();
  if (!isValidDomain(defaultDomain)) throw new ConfigError(`CARBONIO_DEFAULT_DOMAIN is not a domain name: "${defaultDomain}"`);
  const adminPassword = env.CARBONIO_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('CARBONIO_ADMIN_PASSWORD must be at least 8 characters');
  }
  const logLevel = env.CARBONIO_LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`CARBONIO_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  const logFormat = (env.CARBONIO_LOG_FORMAT || 'json').trim().toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError(`CARBONIO_LOG_FORMAT must be json or pretty; got "${logFormat}"`);
  const allVersions = ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'];
  const easVersions = (env.CARBONIO_EAS_VERSIONS || allVersions.join(',')).split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of easVersions) {
    if (!allVersions.includes(v)) throw new ConfigError(`CARBONIO_EAS_VERSIONS: unknown version "${v}" (known: ${allVersions.join(',')})`);
  }
  if (easVersions.length === 0) throw new ConfigError('CARBONIO_EAS_VERSIONS must name at least one version');
  const publicUrl = url(env, 'CARBONIO_PUBLIC_URL', ['http:', 'https:'])
    ?? (httpPort === null ? `https://localhost:${httpsPort}` : `http://localhost:${httpPort}`);

  return {
    dataDir,
    logDir: path.resolve(env.CARBONIO_LOG_DIR || path.join(dataDir, 'logs')),
    backupDir: path.resolve(env.CARBONIO_BACKUP_DIR || path.join(dataDir, 'backups')),
    db,
    bindAddress: env.CARBONIO_BIND_ADDRESS || '0.0.0.0',
    httpPort,
    smtpPort: int(env, 'CARBONIO_SMTP_PORT', 2525, 0, 65535),
    submissionPort: int(env, 'CARBONIO_SUBMISSION_PORT', 2587, 0, 65535),
    tls,
    httpsPort,
    smtpsPort: int(env, 'CARBONIO_SMTPS_PORT', 2465, 0, 65535),
    allowPlaintextAuth: bool(env, 'CARBONIO_ALLOW_PLAINTEXT_AUTH', false),
    imapPort: portOrOff(env, 'CARBONIO_IMAP_PORT', 1143),
    imapsPort: portOrOff(env, 'CARBONIO_IMAPS_PORT', 1993),
    pop3Port: portOrOff(env, 'CARBONIO_POP3_PORT', 1110),
    pop3sPort: portOrOff(env, 'CARBONIO_POP3S_PORT', 1995),
    mailAccess: {
      // Dovecot allows 10 per user and client address (mail_max_userip_connections); a household or an
      // office behind one NAT address runs several users' clients, each with a few connections (Thunderbird
      // opens up to 5 per account, plus IDLE per watched folder), hence room for many per address.
      maxPerAccount: int(env, 'CARBONIO_MAIL_ACCESS_MAX_PER_ACCOUNT', 50, 1, 100000),
      maxPerAddress: int(env, 'CARBONIO_MAIL_ACCESS_MAX_PER_ADDRESS', 100, 1, 1000000),
      imapIdleMs: 30 * 60_000,
      pop3IdleMs: 10 * 60_000,
    },
    trustedProxies,
    smtpProxyProtocol,
    defaultDomain,
    adminPassword,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    relayUrl: url(env, 'CARBONIO_RELAY_URL', ['smtp:', 'smtps:']),
    maxMessageBytes: int(env, 'CARBONIO_MAX_MESSAGE_BYTES', 50 * 1024 * 1024, 1024, 2 ** 31),
    easVersions: allVersions.filter((v) => easVersions.includes(v)),
    easMaxRequestBytes: int(env, 'CARBONIO_EAS_MAX_REQUEST_BYTES', 64 * 1024 * 1024, 4096, 2 ** 31),
    logLevel,
    logFormat,
    metricsToken: env.CARBONIO_METRICS_TOKEN || undefined,
    auditDays: int(env, 'CARBONIO_AUDIT_DAYS', 365, 1, 36500),
    backupStepPages: int(env, 'CARBONIO_BACKUP_STEP_PAGES', 256, 1, 65536),
    web: {
      sessionIdleMs: int(env, 'CARBONIO_WEB_SESSION_IDLE_MINUTES', 30, 1, 24 * 60) * 60_000,
      sessionMaxAgeMs: int(env, 'CARBONIO_WEB_SESSION_MAX_HOURS', 12, 1, 24 * 30) * 3_600_000,
    },
    kdf: {
      log2N: int(env, 'CARBONIO_SCRYPT_LOG2N', 15, 10, 20),
      r: 8,
      p: int(env, 'CARBONIO_SCRYPT_P', 3, 1, 16),
    },
    auth: {
      maxFailuresPerAccount: int(env, 'CARBONIO_AUTH_MAX_FAILURES', 10, 1, 1000),
      maxFailuresPerAddress: int(env, 'CARBONIO_AUTH_MAX_FAILURES_PER_ADDRESS', 50, 1, 100000),
      lockoutMs: int(env, 'CARBONIO_AUTH_LOCKOUT_SECONDS', 900, 1, 86400) * 1000,
      failureDelayMs: int(env, 'CARBONIO_AUTH_FAILURE_DELAY_MS', 250, 0, 5000),
      cacheTtlMs: int(env, 'CARBONIO_AUTH_CACHE_SECONDS', 300, 0, 86400) * 1000,
    },
  };
}
