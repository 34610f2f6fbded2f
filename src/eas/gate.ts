// What may a device do right now? Suspension, a pending remote wipe and the policy key (MS-ASPROV
// 3.2.5.1, MS-ASCMD 2.2.2) are checked here, once, for every command.
import type { EasCommand, EasContext } from './command.js';
import { effectivePolicy } from '../devices/policy.js';
import { Common } from './statuses.js';
import { DeviceStatus } from '../store/types.js';

export type GateResult = { ok: true } | { ok: false; status: number; reason: string };

export async function gate(ctx: EasContext, command: EasCommand): Promise<GateResult> {
  const { device } = ctx;
  if (device.status === DeviceStatus.suspended) return { ok: false, status: Common.deviceBlocked, reason: 'device suspended' };
  // A device marked for wiping may only run Provision, which carries the wipe order.
  if (device.status === DeviceStatus.wipeRequested || device.status === DeviceStatus.wiped) {
    if (command.name !== 'Provision') return { ok: false, status: Common.remoteWipeRequested, reason: 'remote wipe pending' };
    return { ok: true };
  }
  if (command.provisioning === 'exempt') return { ok: true };
  const policy = await effectivePolicy(ctx.deps.store, ctx.account);
  if (!policy.enabled) return { ok: true };
  const key = ctx.query.policyKey;
  if (key === null || key === 0) return { ok: false, status: Common.deviceNotProvisioned, reason: 'no policy key' };
  if (key !== device.policyKey) return { ok: false, status: Common.invalidPolicyKey, reason: 'unknown policy key' };
  if (device.policyHash !== policy.hash) return { ok: false, status: Common.policyRefresh, reason: 'policy changed' };
  return { ok: true };
}
