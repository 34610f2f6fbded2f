// settings:DeviceInformation inside Provision (MS-ASPROV 2.2.2.53, 14.1 and later; the elements are
// those of MS-ASCMD 2.2.3.47 Settings DeviceInformation Set). What the device says about itself is
// kept in device.info for the admin tools; it is never trusted for anything else.
import type { DeviceInfo } from '../../store/types.js';
import { child, textOf, type WbxmlElement } from '../wbxml/index.js';

/** Longer values are cut: a device must not be able to fill the store through its model name. */
const MAX_LEN = 1024;

/** Element names and where they go in DeviceInfo (MobileOperator is kept as `operator`). */
const FIELDS = [
  ['Model', 'model'], ['IMEI', 'imei'], ['FriendlyName', 'friendlyName'], ['OS', 'os'], ['OSLanguage', 'osLanguage'],
  ['PhoneNumber', 'phoneNumber'], ['MobileOperator', 'operator'],
] as const;

export type DeviceInfoInput = { ok: true; info: DeviceInfo } | { ok: false };

/** Reads `DeviceInformation{Set{...}}`; a DeviceInformation without Set is a protocol error (Status 2). */
export function parseDeviceInformation(e: WbxmlElement): DeviceInfoInput {
  const set = child(e, 'Settings:Set');
  if (!set) return { ok: false };
  const info: DeviceInfo = {};
  for (const [tag, key] of FIELDS) {
    const v = textOf(set, `Settings:${tag}`);
    if (v !== undefined) info[key] = v.trim().slice(0, MAX_LEN);
  }
  const sms = textOf(set, 'Settings:EnableOutboundSMS')?.trim();
  if (sms !== undefined) info.enableOutboundSms = sms === '1';
  return { ok: true, info };
}

/** The stored info with what the device just reported on top; the User-Agent history is kept. */
export const mergeDeviceInfo = (current: DeviceInfo, reported: DeviceInfo): DeviceInfo => ({ ...current, ...reported });
