// The pages' only way to the server: JSON over fetch, same origin, with the session cookie (sent by
// the browser), the CSRF token on every change, and errors turned into words for the page.
export type Scope = 'user' | 'admin';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** A device as both APIs list it (/api/self/devices, /api/admin/devices): the fields the pages share. */
export interface DeviceSummary {
  id: string;
  type: string;
  model: string | null;
  os: string | null;
  ua: string;
  protocol: string;
  status: number;
  firstReqReceived: string | null;
  lastUsedDate: string;
  lastAddress: string;
}

export interface SessionInfo {
  account: { email: string; displayName: string; isGlobalAdmin: boolean; isAdmin: boolean };
  scope: Scope;
  csrfToken: string;
  idleMinutes: number;
}

let csrfToken = '';
/** Called when a request finds the session gone (expired, signed out elsewhere): the page shows the login. */
let onSignedOut: () => void = () => undefined;

export function useSessionHandlers(token: string, signedOut: () => void): void {
  csrfToken = token;
  onSignedOut = signedOut;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'carbonio-web' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    const e = new ApiError(res.status, err?.code ?? 'error', err?.message ?? `The server answered ${res.status}.`);
    if (res.status === 401 && !path.startsWith('/api/session')) onSignedOut();
    throw e;
  }
  return data as T;
}

export const session = {
  current: (scope: Scope) => api<SessionInfo>('GET', `/api/session?scope=${scope}`),
  login: (scope: Scope, email: string, password: string) => api<SessionInfo>('POST', '/api/session', { scope, email, password }),
  logout: (scope: Scope) => api<{ signedOut: boolean }>('DELETE', `/api/session?scope=${scope}`),
};

export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
