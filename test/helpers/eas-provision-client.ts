// Provision (MS-ASPROV) for the tests, on top of the shared eas-client: the requests a phone sends
// (initial, acknowledgement, wipe acknowledgement), a reader for the answers, the whole two-phase
// exchange, and a probe of a non-exempt command (Settings) to see what the gate says.
import assert from 'node:assert/strict';
import { child, el, elements, ns, text, textOf, type WbxmlElement } from '../../src/eas/wbxml/index.js';
import { easRequest, type EasResponse } from './eas-client.js';

const p = ns('Provision');
const s = ns('Settings');

export const WBXML_POLICY = 'MS-EAS-Provisioning-WBXML';
export const WAP_POLICY = 'MS-WAP-Provisioning-XML';

export interface Phone {
  user: string;
  password: string;
  deviceId: string;
  /** e.g. '14.1'. */
  version: string;
  deviceType?: string;
}

export const policyTypeFor = (version: string): string => (version === '2.5' ? WAP_POLICY : WBXML_POLICY);

export const initialRequest = (policyType: string, deviceInfo?: Record<string, string>): WbxmlElement => p('Provision',
  deviceInfo && el('Settings:DeviceInformation', s('Set', Object.entries(deviceInfo).map(([k, v]) => el(`Settings:${k}` as 'Settings:Model', v)))),
  p('Policies', p('Policy', p('PolicyType', policyType))));

export const ackRequest = (policyType: string, key: number, status = 1): WbxmlElement =>
  p('Provision', p('Policies', p('Policy', p('PolicyType', policyType), p('PolicyKey', key), p('Status', status))));

export const wipeAckRequest = (status: number, accountOnly = false): WbxmlElement =>
  p('Provision', p(accountOnly ? 'AccountOnlyRemoteWipe' : 'RemoteWipe', p('Status', status)));

export interface ProvisionAnswer {
  http: number;
  status?: number;
  deviceInfoStatus?: number;
  policyType?: string;
  policyStatus?: number;
  policyKey?: number;
  /** The Data element (EASProvisionDoc inside, or the WAP string). */
  data?: WbxmlElement;
  remoteWipe: boolean;
  accountOnlyRemoteWipe: boolean;
  root: WbxmlElement | null;
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

export function readProvision(r: EasResponse): ProvisionAnswer {
  const root = r.root;
  const policy = child(child(root ?? undefined, 'Provision:Policies'), 'Provision:Policy');
  const out: ProvisionAnswer = {
    http: r.status, root,
    remoteWipe: child(root ?? undefined, 'Provision:RemoteWipe') !== undefined,
    accountOnlyRemoteWipe: child(root ?? undefined, 'Provision:AccountOnlyRemoteWipe') !== undefined,
  };
  if (!root) return out;
  assert.equal(root.tag, 'Provision');
  const set = <K extends keyof ProvisionAnswer>(k: K, v: ProvisionAnswer[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('status', num(textOf(root, 'Provision:Status')));
  set('deviceInfoStatus', num(textOf(child(root, 'Settings:DeviceInformation'), 'Settings:Status')));
  set('policyType', textOf(policy, 'Provision:PolicyType'));
  set('policyStatus', num(textOf(policy, 'Provision:Status')));
  set('policyKey', num(textOf(policy, 'Provision:PolicyKey')));
  set('data', child(policy, 'Provision:Data'));
  return out;
}

export async function provision(app: { baseUrl: string }, phone: Phone, body?: WbxmlElement): Promise<ProvisionAnswer> {
  return readProvision(await easRequest(app, { cmd: 'Provision', ...phone, ...(body ? { body } : {}) }));
}

/** The EASProvisionDoc of a first-phase answer as element name -> text (lists as comma-joined items). */
export function docValues(a: ProvisionAnswer): Record<string, string> {
  const doc = child(a.data, 'Provision:EASProvisionDoc');
  assert.ok(doc, 'an EASProvisionDoc');
  const out: Record<string, string> = {};
  for (const e of elements(doc)) out[e.tag] = elements(e).length > 0 ? elements(e).map(text).join(',') : text(e);
  return out;
}

/** The WAP document of a 2.5 first-phase answer. */
export const wapDoc = (a: ProvisionAnswer): string => (a.data ? text(a.data) : '');

/** Both phases; returns the final key (and the first answer, for its document). */
export async function provisionFully(app: { baseUrl: string }, phone: Phone, ackStatus = 1): Promise<{ key: number; first: ProvisionAnswer }> {
  const type = policyTypeFor(phone.version);
  const first = await provision(app, phone, initialRequest(type));
  assert.equal(first.http, 200);
  assert.equal(first.status, 1);
  assert.equal(first.policyStatus, 1);
  assert.ok(first.policyKey && first.policyKey > 0, 'a temporary key');
  const second = await provision(app, phone, ackRequest(type, first.policyKey, ackStatus));
  assert.equal(second.status, 1);
  assert.equal(second.policyStatus, 1);
  assert.ok(second.policyKey && second.policyKey > 0 && second.policyKey !== first.policyKey, 'a final key unlike the temporary one');
  assert.equal(second.data, undefined, 'no document in the acknowledgement answer');
  return { key: second.policyKey, first };
}

/** What the gate says to a non-exempt command: the HTTP status and, on 14.0+, the Settings Status. */
export async function probe(app: { baseUrl: string }, phone: Phone, policyKey?: number): Promise<{ http: number; status?: number }> {
  const r = await easRequest(app, {
    cmd: 'Settings', ...phone, ...(policyKey !== undefined ? { policyKey } : {}),
    body: el('Settings:Settings', s('UserInformation', s('Get'))),
  });
  const st = textOf(r.root ?? undefined, 'Settings:Status');
  return st === undefined ? { http: r.status } : { http: r.status, status: Number(st) };
}

