// The CLI's HTTP client of the admin API: one JSON call with HTTP Basic auth, to the server and as
// the admin that discovery.ts finds (environment, saved login, admin-credentials file). Server errors
// become ApiError, a server out of reach UnreachableError.
import { ConfigError, errorMessage } from '../core/errors.js';
import { isObject, type JsonObject } from './json.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 60_000;

export type Env = Readonly<Record<string, string | undefined>>;

export interface AdminCredentials {
  user: string;
  password: string;
}

/** Where to call and as whom, and which source said so (named in errors). */
export interface AdminLogin extends AdminCredentials {
  baseUrl: string;
  source: string;
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

/** A server URL, normalized (no trailing slash); `what` names where it came from in errors. */
export function normalizeBaseUrl(raw: string, what = 'CARBONIO_ADMIN_URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${what} is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${what} must be an http or https URL: "${raw}"`);
  if (url.username || url.password) throw new ConfigError(`${what} must not hold credentials: use CARBONIO_ADMIN_USER and CARBONIO_ADMIN_PASSWORD`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export const adminBaseUrl = (env: Env): string => normalizeBaseUrl(env.CARBONIO_ADMIN_URL || DEFAULT_ADMIN_URL);

const encodeBasic = (c: AdminCredentials): string => `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;

/** One path segment of an admin URL (emails hold `@`, ids may hold anything). */
export const seg = (s: string): string => encodeURIComponent(s);

export class AdminClient {
  private login: AdminLogin | null = null;

  /** `resolve` runs at the first call, so that a usage error is reported before a missing login. */
  constructor(private readonly resolve: () => AdminLogin) {}

  /** The server and admin this client calls as (resolved now if not yet). */
  get target(): AdminLogin {
    this.login ??= this.resolve();
    return this.login;
  }

  /** Sends a JSON request to `/api/admin<path>` and returns the JSON object answered. */
  async call(method: string, urlPath: string, body?: JsonObject): Promise<JsonObject> {
    const login = this.target;
    const url = `${login.baseUrl}/api/admin${urlPath}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: encodeBasic(login),
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(`cannot reach the admin API at ${login.baseUrl}: ${networkReason(err)}`);
    }
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) throw apiError(res, json, login);
    if (!isObject(json)) throw new ApiError(res.status, 'protocol', `unexpected answer from ${url}: not a JSON object (HTTP ${res.status})`);
    return json;
  }
}

function apiError(res: Response, json: unknown, login: AdminLogin): ApiError {
  const e = isObject(json) ? json.error : undefined;
  const code = isObject(e) && typeof e.code === 'string' ? e.code : `http-${res.status}`;
  let message = isObject(e) && typeof e.message === 'string' ? e.message : `HTTP ${res.status} ${res.statusText}`.trim();
  if (res.status === 401) message = `${message} (as ${login.user}, from ${login.source})`;
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
