// The CLI's HTTP client of the admin API: where the server is (CARBONIO_ADMIN_URL), who we are
// (CARBONIO_ADMIN_USER / CARBONIO_ADMIN_PASSWORD, else <data dir>/admin-credentials), and one
// JSON call with HTTP Basic auth. Server errors become ApiError, a server out of reach UnreachableError.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage } from '../core/errors.js';
import { isObject, type JsonObject } from './json.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 60_000;

export type Env = Readonly<Record<string, string | undefined>>;

export interface AdminCredentials {
  user: string;
  password: string;
}

/** A non-2xx answer: the server's `{error: {code, message}}`, or the HTTP status line when it sent none. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** No answer at all (connection refused, DNS, timeout): exit code 3. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export function adminBaseUrl(env: Env): string {
  const raw = env.CARBONIO_ADMIN_URL || DEFAULT_ADMIN_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`CARBONIO_ADMIN_URL is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`CARBONIO_ADMIN_URL must be an http or https URL: "${raw}"`);
  if (url.username || url.password) throw new ConfigError('CARBONIO_ADMIN_URL must not hold credentials: use CARBONIO_ADMIN_USER and CARBONIO_ADMIN_PASSWORD');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export const credentialsFile = (env: Env): string => path.join(path.resolve(env.CARBONIO_DATA_DIR || './data'), 'admin-credentials');

/** The admin login: both environment variables, or the two lines of the credentials file. */
export function loadCredentials(env: Env): AdminCredentials {
  const user = env.CARBONIO_ADMIN_USER;
  const password = env.CARBONIO_ADMIN_PASSWORD;
  if (user && password) return { user, password };
  if (user && !password) throw new ConfigError('CARBONIO_ADMIN_USER is set but CARBONIO_ADMIN_PASSWORD is not');
  if (password && !user) throw new ConfigError('CARBONIO_ADMIN_PASSWORD is set but CARBONIO_ADMIN_USER is not');
  const file = credentialsFile(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`no admin credentials: set CARBONIO_ADMIN_USER and CARBONIO_ADMIN_PASSWORD, or create ${file} (admin email, then password, on two lines)`);
    }
    throw new ConfigError(`cannot read the admin credentials in ${file}: ${errorMessage(err)}`);
  }
  const [first, second] = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const fileUser = (first ?? '').trim();
  if (!fileUser || !second) throw new ConfigError(`${file} must hold the admin email, then the password, on two lines`);
  return { user: fileUser, password: second };
}

const encodeBasic = (c: AdminCredentials): string => `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;

/** One path segment of an admin URL (emails hold `@`, ids may hold anything). */
export const seg = (s: string): string => encodeURIComponent(s);

export class AdminClient {
  private creds: AdminCredentials | null = null;

  constructor(readonly baseUrl: string, private readonly credentials: () => AdminCredentials) {}

  static fromEnv(env: Env): AdminClient {
    return new AdminClient(adminBaseUrl(env), () => loadCredentials(env));
  }

  /** Sends a JSON request to `/api/admin<path>` and returns the JSON object answered. */
  async call(method: string, urlPath: string, body?: JsonObject): Promise<JsonObject> {
    this.creds ??= this.credentials();
    const url = `${this.baseUrl}/api/admin${urlPath}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: encodeBasic(this.creds),
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(`cannot reach the admin API at ${this.baseUrl}: ${networkReason(err)}`);
    }
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) throw apiError(res, json, this.creds.user);
    if (!isObject(json)) throw new ApiError(res.status, 'protocol', `unexpected answer from ${url}: not a JSON object (HTTP ${res.status})`);
    return json;
  }
}

function apiError(res: Response, json: unknown, user: string): ApiError {
  const e = isObject(json) ? json.error : undefined;
  const code = isObject(e) && typeof e.code === 'string' ? e.code : `http-${res.status}`;
  let message = isObject(e) && typeof e.message === 'string' ? e.message : `HTTP ${res.status} ${res.statusText}`.trim();
  if (res.status === 401) message = `${message} (as ${user})`;
  return new ApiError(res.status, code, message.replace(/[\r\n]+/g, ' '));
}

function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return errorMessage(err);
}
