// Provision (MS-ASPROV 3.2.5.1): the two-phase policy download (a temporary key with the policy
// document, then the final key once the device acknowledges it), settings:DeviceInformation (14.1+,
// 2.2.2.53), and remote wipe: RemoteWipe / AccountOnlyRemoteWipe orders and their acknowledgements
// (3.2.5.1.2.2, 3.2.5.1.2.3). The gate lets only this command through while a wipe is pending.
import type { EasCommand, EasContext, EasResponse } from '../command.js';
import { defineCommand } from '../command.js';
import { DeviceStatus, type DeviceInfo } from '../../store/types.js';
import { mergeDeviceInfo, parseDeviceInformation, type DeviceInfoInput } from '../provisioning/device-info.js';
import { POLICY_TYPE_WAP, POLICY_TYPE_WBXML, policyTypeFor, renderPolicyData } from '../provisioning/document.js';
import { effectivePolicy } from '../../devices/policy.js';
import { ACCOUNT_ONLY_MIN_VERSION, newPolicyKey } from '../provisioning/keys.js';
import { child, el, intOf, ns, textOf, type WbxmlElement } from '../wbxml/index.js';

const prov = ns('Provision');

/** Provision Status (2.2.2.54.2) and the common statuses Provision may carry (MS-ASCMD 2.2.2). */
const Status = { ok: 1, protocolError: 2, blocked: 129, notFullyProvisionable: 139, externallyManagedNotAllowed: 145 } as const;
/** Policy Status in responses (2.2.2.54.1). */
const PolicyStatus = { ok: 1, unknownType: 3, wrongKey: 5 } as const;

type Input =
  | { kind: 'empty'; deviceInfo: DeviceInfoInput | null }
  | { kind: 'wipe-ack'; accountOnly: boolean; status: number | undefined; deviceInfo: DeviceInfoInput | null }
  | { kind: 'policy'; policyType: string; ack: { key: number | undefined; status: number | undefined } | null; deviceInfo: DeviceInfoInput | null };

interface Result {
  /** Set when the answer is an HTTP status (pre-14.0 devices know no WBXML refusal). */
  http?: number;
  status: number;
  deviceInfoStatus?: number;
  policy?: { type: string; status: number; key?: number; data?: WbxmlElement };
  wipe?: 'full' | 'account-only';
}

function parse(root: WbxmlElement | null): Input {
  // An empty body is what a device sends after a 140/449 that announced a wipe (3.1.5.1.1).
  if (!root) return { kind: 'empty', deviceInfo: null };
  const di = child(root, 'Settings:DeviceInformation');
  const deviceInfo = di ? parseDeviceInformation(di) : null;
  const rw = child(root, 'Provision:RemoteWipe');
  const aorw = child(root, 'Provision:AccountOnlyRemoteWipe');
  const ack = rw ?? aorw;
  if (ack) return { kind: 'wipe-ack', accountOnly: ack === aorw, status: intOf(ack, 'Provision:Status'), deviceInfo };
  const policy = child(child(root, 'Provision:Policies'), 'Provision:Policy');
  if (!policy) return { kind: 'empty', deviceInfo };
  const policyType = textOf(policy, 'Provision:PolicyType')?.trim() ?? '';
  const hasKey = child(policy, 'Provision:PolicyKey') !== undefined;
  return {
    kind: 'policy', policyType, deviceInfo,
    ack: hasKey ? { key: intOf(policy, 'Provision:PolicyKey'), status: intOf(policy, 'Provision:Status') } : null,
  };
}

async function execute(ctx: EasContext, input: Input): Promise<Result> {
  const { device } = ctx;
  const deviceInfoStatus = await storeDeviceInfo(ctx, input.deviceInfo);
  const withInfo = (r: Result): Result => (deviceInfoStatus === undefined ? r : { ...r, deviceInfoStatus });
  if (device.status === DeviceStatus.wipeRequested || device.status === DeviceStatus.wiped) return withInfo(await wipeFlow(ctx, input));
  if (input.kind === 'wipe-ack') {
    // Nothing pending (e.g. cancelled meanwhile): the device wipes itself anyway, nothing to record.
    ctx.log.warn({ event: 'wipe-ack-unexpected', status: input.status }, 'device acknowledged a wipe that is not pending');
    return withInfo({ status: Status.ok });
  }
  if (input.kind === 'empty') return withInfo({ status: Status.protocolError });
  return withInfo(await policyFlow(ctx, input));
}

/** Stores what the device reported about itself and returns the settings:Status to answer, if it sent any. */
async function storeDeviceInfo(ctx: EasContext, di: DeviceInfoInput | null): Promise<number | undefined> {
  if (!di) return undefined;
  if (!di.ok) return 2;
  if (ctx.persistentDevice) {
    const info: DeviceInfo = mergeDeviceInfo(ctx.device.info, di.info);
    ctx.device = await ctx.deps.store.devices.update(ctx.device.accountId, ctx.device.deviceId, { info });
  }
  return 1;
}

async function wipeFlow(ctx: EasContext, input: Input): Promise<Result> {
  const d = ctx.device;
  const kind = d.wipeAccountOnly ? 'account-only' : 'full';
  if (d.wipeAccountOnly && ctx.version < ACCOUNT_ONLY_MIN_VERSION) {
    // Asked for while the device spoke 16.1, now it speaks less: never turn it into a factory reset.
    // The device stays locked out of the mailbox until an admin cancels or asks for a full wipe.
    ctx.log.warn({ event: 'wipe-account-only-unsupported', version: ctx.version }, 'account-only wipe pending but the device no longer speaks EAS 16.1: not sent');
    return ctx.version < 140 ? { http: 403, status: Status.blocked } : { status: Status.blocked };
  }
  if (input.kind !== 'wipe-ack') return { status: Status.ok, wipe: kind };
  if (input.status === 1) {
    const now = Date.now();
    ctx.device = await ctx.deps.store.devices.update(d.accountId, d.deviceId, { status: DeviceStatus.wiped, wipeDoneAt: d.wipeDoneAt ?? now });
    ctx.log.info({ event: 'device-wiped', accountOnly: d.wipeAccountOnly, requestedAt: d.wipeRequestedAt }, `device ${d.deviceId} acknowledged the ${kind} wipe`);
    return { status: Status.ok };
  }
  // 3.2.5.1.2.2: on failure the server answers 2 and repeats the order; the wipe stays pending.
  ctx.log.warn({ event: 'device-wipe-failed', status: input.status }, `device ${d.deviceId} reports that the ${kind} wipe failed`);
  return { status: Status.protocolError, wipe: kind };
}

async function policyFlow(ctx: EasContext, input: Extract<Input, { kind: 'policy' }>): Promise<Result> {
  const type = input.policyType;
  // Each version has one document format (2.2.2.43); anything else cannot be served.
  if ((type !== POLICY_TYPE_WBXML && type !== POLICY_TYPE_WAP) || type !== policyTypeFor(ctx.version)) {
    return { status: Status.ok, policy: { type, status: PolicyStatus.unknownType } };
  }
  const d = ctx.device;
  const store = ctx.deps.store;
  const policy = await effectivePolicy(store, ctx.account);
  if (!input.ack) {
    const temp = newPolicyKey(d.policyKey, d.pendingPolicyKey);
    if (ctx.persistentDevice) ctx.device = await store.devices.update(d.accountId, d.deviceId, { pendingPolicyKey: temp });
    // Unenforced settings are not sent: a device with no policy gets the permissive document.
    const data = renderPolicyData(type, policy.enabled ? policy.values : {}, ctx.version);
    return { status: Status.ok, policy: { type, status: PolicyStatus.ok, key: temp, data } };
  }
  const { key, status } = input.ack;
  // The validate probe has no stored temporary key: any non-zero one is accepted, nothing is kept.
  if (!key || (ctx.persistentDevice && key !== d.pendingPolicyKey)) {
    ctx.log.info({ event: 'provision-wrong-key', key }, 'device acknowledged an unknown temporary policy key');
    return { status: Status.ok, policy: { type, status: PolicyStatus.wrongKey } };
  }
  if (status === undefined || status < 1 || status > 4) return { status: Status.protocolError };
  // 1 applied, 2 partially, 3 not at all, 4 managed by a third party (2.2.2.54.1).
  if (policy.enabled && status !== 1 && !policy.allowNonProvisionable) {
    ctx.log.info({ event: 'provision-refused', clientStatus: status }, 'device cannot apply the policy and non-provisionable devices are not allowed');
    const refusal = status === 4 ? Status.externallyManagedNotAllowed : Status.notFullyProvisionable;
    return ctx.version < 140 ? { http: 403, status: refusal } : { status: refusal };
  }
  const final = newPolicyKey(key, d.policyKey);
  if (ctx.persistentDevice) {
    ctx.device = await store.devices.update(d.accountId, d.deviceId, { policyKey: final, pendingPolicyKey: 0, policyHash: policy.hash, status: DeviceStatus.ok });
  }
  ctx.log.info({ event: 'device-provisioned', clientStatus: status, enforced: policy.enabled, policyHash: policy.hash }, `device ${d.deviceId} provisioned`);
  return { status: Status.ok, policy: { type, status: PolicyStatus.ok, key: final } };
}

function render(r: Result): EasResponse {
  if (r.http !== undefined) return { kind: 'http', status: r.http };
  const p = r.policy;
  const root = prov('Provision',
    r.deviceInfoStatus !== undefined && el('Settings:DeviceInformation', el('Settings:Status', r.deviceInfoStatus)),
    prov('Status', r.status),
    p && prov('Policies', prov('Policy', prov('PolicyType', p.type), prov('Status', p.status), p.key !== undefined && prov('PolicyKey', p.key), p.data)),
    r.wipe === 'full' && prov('RemoteWipe'),
    r.wipe === 'account-only' && prov('AccountOnlyRemoteWipe'));
  return { kind: 'wbxml', root };
}

export const provisionCommand: EasCommand = defineCommand<Input, Result>({
  name: 'Provision',
  provisioning: 'exempt',
  body: { kind: 'wbxml', root: 'Provision:Provision', optional: true },
  invalidRequest: Status.protocolError,
  parse,
  execute,
  render,
});
