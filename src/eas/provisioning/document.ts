// The policy document a device downloads in the first phase of Provision: the EASProvisionDoc of
// MS-ASPROV 2.2.2.28 (12.0 and later, only the elements the negotiated version has) or, for 2.5,
// the wap-provisioningdoc string of 2.2.2.24.2 (Windows Mobile SecurityPolicy and LASSD registry
// parameters). Unset settings get their permissive value, so a device with no policy is restricted
// in nothing.
import { POLICY_SETTINGS, type PolicySetting } from '../../devices/policy.js';
import { el, ns, type TagOf, type WbxmlElement } from '../wbxml/index.js';

const prov = ns('Provision');

export const POLICY_TYPE_WBXML = 'MS-EAS-Provisioning-WBXML';
export const POLICY_TYPE_WAP = 'MS-WAP-Provisioning-XML';

/** The PolicyType a device of this version must ask for (2.2.2.43). */
export const policyTypeFor = (version: number): string => (version < 120 ? POLICY_TYPE_WAP : POLICY_TYPE_WBXML);

/** The value sent for a setting: the policy's, else the permissive default ('' = unset). */
const valueOf = (values: Readonly<Record<string, string>>, def: PolicySetting): string => values[def.name] ?? def.permissive;

export function renderProvisionDoc(values: Readonly<Record<string, string>>, version: number): WbxmlElement {
  const children: WbxmlElement[] = [];
  for (const def of POLICY_SETTINGS) {
    if (version < def.since) continue;
    const v = valueOf(values, def);
    // The table's names are EASProvisionDoc elements of the Provision code page.
    const tag = def.name as TagOf<'Provision'>;
    if (def.kind.t === 'list') {
      if (v === '') continue;
      const item = def.kind.item;
      children.push(prov(tag, v.split(',').map((x) => prov(item, x))));
    } else {
      // '' gives an empty element: "no such rule" for the ...OrEmpty types (3.2.5.1.1 asks servers
      // to send an unset setting as an empty tag or its default, so a device drops an old rule).
      children.push(prov(tag, v));
    }
  }
  return prov('EASProvisionDoc', children);
}

/** The Data element of the first-phase response, for the policy type asked. */
export function renderPolicyData(policyType: string, values: Readonly<Record<string, string>>, version: number): WbxmlElement {
  if (policyType === POLICY_TYPE_WAP) return el('Provision:Data', renderWapDoc(values));
  return el('Provision:Data', renderProvisionDoc(values, version));
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const parm = (name: string, value: string | number): string => `<parm name="${escapeAttr(name)}" value="${escapeAttr(String(value))}"/>`;
const characteristic = (type: string, body: string): string => `<characteristic type="${escapeAttr(type)}">${body}</characteristic>`;

const LASSD = 'HKLM\\Comm\\Security\\Policy\\LASSD';
/** The activity-timeout authentication event of the Windows Mobile LASS. */
const AE_INACTIVITY = `${LASSD}\\AE\\{50C13377-C66D-400C-889E-C316FC4AB374}`;
const LAP_PW = `${LASSD}\\LAP\\lap_pw`;

/**
 * The 2.5 policy: only the password rules exist there. SecurityPolicy 4131 is "password not required"
 * (0 = a password is required), 4133 allows unlocking from a desktop; AEFrequencyValue is in minutes;
 * PasswordComplexity 0 asks for an alphanumeric password, 2 for anything.
 */
export function renderWapDoc(values: Readonly<Record<string, string>>): string {
  const passwordOn = values.DevicePasswordEnabled === '1';
  const security = characteristic('SecurityPolicy', parm('4131', passwordOn ? 0 : 1) + parm('4133', 1));
  let registry = '';
  if (passwordOn) {
    const lock = Number(values.MaxInactivityTimeDeviceLock ?? '');
    const timed = Number.isInteger(lock) && lock > 0 && lock < 9999;
    registry += characteristic(AE_INACTIVITY, parm('AEFrequencyType', timed ? 1 : 0) + (timed ? parm('AEFrequencyValue', Math.max(1, Math.ceil(lock / 60))) : ''));
    const fails = Number(values.MaxDevicePasswordFailedAttempts ?? '');
    if (Number.isInteger(fails) && fails > 0) {
      // The device asks for a codeword half-way to the wipe threshold, as Exchange 2003 SP2 did.
      registry += characteristic(LASSD, parm('DeviceWipeThreshold', fails) + parm('CodewordFrequency', Math.max(1, Math.floor(fails / 2))));
    }
    const min = Number(values.MinDevicePasswordLength ?? '');
    registry += characteristic(LAP_PW, (Number.isInteger(min) && min > 0 ? parm('MinimumPasswordLength', min) : '')
      + parm('PasswordComplexity', values.AlphanumericDevicePasswordRequired === '1' ? 0 : 2));
  }
  return `<wap-provisioningdoc>${security}${registry ? characteristic('Registry', registry) : ''}</wap-provisioningdoc>`;
}
