// A small ActiveSync client for tests (MS-ASHTTP 2.2.1): one POST of a WBXML command with Basic
// auth, the version header and an optional policy key, over real HTTP; the answer decoded. Shared
// by the EAS test files, so its API stays small: easRequest, and easOptions for the OPTIONS probe.
import { decode, encode, ns, type WbxmlElement } from '../../src/eas/wbxml/index.js';

export interface EasRequest {
  /** The command, e.g. 'Settings'. */
  cmd: string;
  user: string;
  password: string;
  deviceId: string;
  deviceType?: string;
  /** e.g. '14.1'; default '16.1'. */
  version?: string;
  /** Sent as X-MS-PolicyKey when given. */
  policyKey?: number;
  /** The WBXML body; none when absent. */
  body?: WbxmlElement;
  /** A raw body instead (MIME for the pre-14 SendMail family, or deliberately broken bytes). */
  rawBody?: Buffer;
  /** More query parameters (SaveInSent, CollectionId, ...). */
  query?: Record<string, string>;
  /** Extra or overriding request headers. */
  headers?: Record<string, string>;
}

export interface EasResponse {
  status: number;
  headers: Headers;
  /** The decoded body when it is non-empty WBXML, else null. */
  root: WbxmlElement | null;
  raw: Buffer;
}

export const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';

export const basicAuth = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;

function url(app: { baseUrl: string }, r: Pick<EasRequest, 'cmd' | 'user' | 'deviceId' | 'deviceType' | 'query'>): string {
  const q = new URLSearchParams({ Cmd: r.cmd, User: r.user, DeviceId: r.deviceId, DeviceType: r.deviceType ?? 'TestPhone', ...r.query });
  return `${app.baseUrl}/Microsoft-Server-ActiveSync?${q.toString()}`;
}

export async function easRequest(app: { baseUrl: string }, r: EasRequest): Promise<EasResponse> {
  const headers: Record<string, string> = {
    authorization: basicAuth(r.user, r.password),
    'ms-asprotocolversion': r.version ?? '16.1',
    'content-type': WBXML_TYPE,
    'user-agent': 'eas-test-client/1.0',
    ...(r.policyKey !== undefined ? { 'x-ms-policykey': String(r.policyKey) } : {}),
    ...r.headers,
  };
  const body = r.rawBody ?? (r.body ? encode(r.body) : undefined);
  const res = await fetch(url(app, r), { method: 'POST', headers, ...(body ? { body: new Uint8Array(body) } : {}) });
  const raw = Buffer.from(await res.arrayBuffer());
  const isWbxml = (res.headers.get('content-type') ?? '').startsWith(WBXML_TYPE);
  return { status: res.status, headers: res.headers, root: isWbxml && raw.length > 0 ? decode(raw) : null, raw };
}

/** OPTIONS on the endpoint (the client's version discovery). */
export async function easOptions(app: { baseUrl: string }, user: string, password: string): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(`${app.baseUrl}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS', headers: { authorization: basicAuth(user, password) } });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
}

const ping = ns('Ping');

/** A Ping body (MS-ASCMD 2.2.1.13): the heartbeat and the mail folders to watch; either may be left out. */
export function pingBody(heartbeat: number | null, folderIds: readonly string[] | null): WbxmlElement {
  return ping('Ping', heartbeat !== null && ping('HeartbeatInterval', heartbeat),
    folderIds && ping('Folders', folderIds.map((id) => ping('Folder', ping('Id', id), ping('Class', 'Email')))));
}
