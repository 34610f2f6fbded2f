// `carbonio mobile getProvisioning|setProvisioning|doWipeDevice|doCancelWipeDevice`: device policies
// (EASProvisionDoc settings, per domain or account where Carbonio has COS or account) and remote
// wipe, as Carbonio's ZxMobile CLI spells them. doWipeDevice wipes nothing without `confirm true`:
// the server then answers what would happen, printed as the error (exit 1).
import { parseBool, positional, UsageError, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, scalarText } from './format.js';
import { isObject, objectField, objectsField, stringField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('mobile', spec, run);

function level(a: ParsedArgs, usage: string): string {
  const l = positional(a, 'account|domain').toLowerCase();
  if (l === 'cos') throw new UsageError('this server has no COS: policies are set per domain or per account', usage);
  if (l !== 'account' && l !== 'domain') throw new UsageError(`the level must be account or domain, not "${l}"`, usage);
  return l;
}

const provisioningPath = (a: ParsedArgs, usage: string): string => `/provisioning/${level(a, usage)}/${seg(positional(a, 'target'))}`;
const wipePath = (a: ParsedArgs): string => `/accounts/${seg(positional(a, 'account'))}/devices/${seg(positional(a, 'device_id'))}/wipe`;

const shown = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? scalarText(v) : 'unset');

/** `value (source)` for one setting of the API's answer. */
const valueWithSource = (s: JsonObject): string => `${shown(s.value)} (${shown(s.source)})`;

function wipeBlock(w: JsonObject): JsonObject {
  return {
    deviceId: w.deviceId,
    deviceType: w.deviceType,
    model: w.model,
    protocolVersion: w.protocolVersion,
    status: `${shown(w.status)} (${shown(w.statusName)})`,
    accountOnly: w.accountOnly,
    wipeRequestedAt: w.wipeRequestedAt,
    wipeDoneAt: w.wipeDoneAt,
  };
}

const LEVEL = 'account|domain';

export const mobileProvisioningCommands: readonly Command[] = [
  command({
    name: 'getProvisioning', positionals: [LEVEL, 'target'], keys: [{ name: 'key', value: '<name>' }],
    summary: 'show the device policy in effect for an account or domain, each value with the level it comes from (or one key)',
  }, async (api, a, usage) => {
    const key = a.options.get('key');
    const r = await api.call('GET', `${provisioningPath(a, usage)}${key !== undefined ? `?key=${encodeURIComponent(key)}` : ''}`);
    const t = objectField(r, 'target');
    if (key !== undefined) {
      const s = objectField(r, 'setting');
      return { json: r, text: joinLines(formatTree({ [stringField(s, 'key')]: valueWithSource(s) })) };
    }
    const settings: JsonObject = {};
    for (const s of objectsField(r, 'settings')) settings[stringField(s, 'key')] = valueWithSource(s);
    const tree = { [stringField(t, 'type')]: stringField(t, 'name'), enforced: r.enforced, hash: r.hash, settings };
    return { json: r, text: joinLines(formatTree(tree)) };
  }),

  command({
    name: 'setProvisioning', positionals: [LEVEL, 'target', 'key', 'value'],
    summary: 'set a policy key (an EASProvisionDoc element, MobileDeviceManagement or AllowNonProvisionableDevices) for an account or domain; value default removes it',
  }, async (api, a, usage) => {
    const r = await api.call('PUT', provisioningPath(a, usage), { key: positional(a, 'key'), value: positional(a, 'value') });
    const t = objectField(r, 'target');
    const key = stringField(r, 'key');
    const where = `${stringField(t, 'type')} ${stringField(t, 'name')}`;
    const eff = r.effective;
    const lines = [r.stored === null
      ? `Provisioning key ${scalarText(key)} removed from ${scalarText(where)}${isObject(eff) ? `; in effect now: ${valueWithSource(eff)}` : ''}`
      : `Provisioning key ${scalarText(key)} set to ${shown(r.stored)} on ${scalarText(where)}`];
    if (r.enforced === false && key !== 'MobileDeviceManagement') {
      lines.push(`Note: MobileDeviceManagement is false for ${scalarText(where)}: devices get a permissive policy until it is set to true`);
    }
    return { json: r, text: joinLines(lines) };
  }),

  command({
    name: 'doWipeDevice', positionals: ['account', 'device_id'],
    keys: [{ name: 'confirm', value: 'true|false' }, { name: 'account_only', value: 'true|false' }],
    summary: 'remote-wipe a device at its next connection (account_only: only this account\'s data, EAS 16.1); without confirm true nothing happens',
  }, async (api, a, usage) => {
    const confirm = a.options.get('confirm');
    const accountOnly = a.options.get('account_only');
    const body: JsonObject = {
      confirm: confirm === undefined ? false : parseBool(confirm, 'confirm', usage),
      accountOnly: accountOnly === undefined ? false : parseBool(accountOnly, 'account_only', usage),
    };
    const r = await api.call('POST', wipePath(a), body);
    const w = objectField(r, 'wipe');
    const what = w.accountOnly === true ? 'Account-only wipe' : 'Wipe';
    const head = r.changed === false
      ? `${what} of device ${shown(w.deviceId)} already pending`
      : `${what} of device ${shown(w.deviceId)} requested: it happens at the device's next connection`;
    return { json: r, text: joinLines([head, ...formatTree(wipeBlock(w), 1)]) };
  }),

  command({
    name: 'doCancelWipeDevice', positionals: ['account', 'device_id'],
    summary: 'withdraw a remote wipe that the device has not acknowledged yet',
  }, async (api, a) => {
    const r = await api.call('DELETE', wipePath(a));
    const w = objectField(r, 'wipe');
    return { json: r, text: joinLines([`Pending wipe of device ${shown(w.deviceId)} cancelled`, ...formatTree(wipeBlock(w), 1)]) };
  }),
];
