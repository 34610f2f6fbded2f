// `carbonio mobile doRemoveDevice | doResetDevice | doResetAccount | doSuspendDeviceSync |
// doResumeDeviceSync | doPurgeMobileState` (Carbonio's names and grammar, carbonio-features.md 3.1):
//   doRemoveDevice <account> <device_id>
//   doResetDevice <account> [device_id <id>=all]   (also `doResetDevice <account> <id>`, as the docs' example)
//   doResetAccount <account>
//   doSuspendDeviceSync <account> <device_id>
//   doResumeDeviceSync <account> [device_id <id>=all]   (also positional)
//   doPurgeMobileState [retention-period <days>=90]
// A headline saying what happened, then what it touched as Carbonio's key/value tree; `--json` prints
// the API's answer. Refusals (unknown device, wipe pending, rights) exit 1, usage errors 2.
import { positional, UsageError, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, scalarText } from './format.js';
import { arrayField, objectField, objectsField, stringField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('mobile', spec, run);

const devicesPath = (a: ParsedArgs): string => `/accounts/${seg(positional(a, 'account'))}/devices`;
const shown = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? scalarText(v) : '-');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The device named positionally or by `device_id` (not both); undefined for all (absent, or `all`). */
function deviceArg(a: ParsedArgs, usage: string): string | undefined {
  const pos = a.positionals.get('device_id');
  const key = a.options.get('device_id');
  if (pos !== undefined && key !== undefined) throw new UsageError('give the device id once: positionally or as device_id <id>', usage);
  const id = pos ?? key;
  if (id === '') throw new UsageError('device_id must not be empty', usage);
  return id === undefined || id.toLowerCase() === 'all' ? undefined : id;
}

const ONE_OR_ALL = { positionals: ['account'], optional: ['device_id'], keys: [{ name: 'device_id', value: '<id>|all' }] } as const;

/** `collections hierarchy,5,6` or `none`. */
const collections = (v: unknown): string => (Array.isArray(v) && v.length > 0 ? v.map(shown).join(',') : 'none');

function resetText(r: JsonObject, head: string): string {
  const devices = objectsField(r, 'devices');
  if (devices.length === 0) return joinLines([`${shown(r.account)} has no devices: nothing to reset`]);
  const blocks = devices.map((d) => ({ id: d.id, type: d.type, model: d.model, collections: collections(d.collections) }));
  return joinLines([head, ...formatTree({ devices: blocks })]);
}

async function reset(api: Parameters<Command['run']>[0], account: string, id: string | undefined) {
  const path = `/accounts/${seg(account)}/devices${id === undefined ? '' : `/${seg(id)}`}/reset`;
  return api.call('POST', path);
}

export const mobileDeviceActionCommands: readonly Command[] = [
  command({
    name: 'doRemoveDevice', positionals: ['account', 'device_id'],
    summary: "remove a device with all its SyncState and history; its next request is a new device's",
  }, async (api, a) => {
    const r = await api.call('DELETE', `${devicesPath(a)}/${seg(positional(a, 'device_id'))}`);
    const d = objectField(r, 'removed');
    const head = `Device ${shown(d.id)} of ${shown(r.account)} removed with its SyncState (${plural(Number(d.collections), 'collection')}) and history: its next request starts as a new device`;
    return { json: r, text: joinLines([head, ...formatTree({ id: d.id, type: d.type, model: d.model, protocol: d.protocol }, 1)]) };
  }),

  command({
    name: 'doResetDevice', ...ONE_OR_ALL,
    summary: "drop the SyncState of one device of an account, or of all its devices: full resync at the next request, the device record kept",
  }, async (api, a, usage) => {
    const id = deviceArg(a, usage);
    const r = await reset(api, positional(a, 'account'), id);
    const n = objectsField(r, 'devices').length;
    const what = id === undefined ? plural(n, 'device') : `device ${shown(objectsField(r, 'devices')[0]?.id)}`;
    const head = `SyncState of ${what} of ${shown(r.account)} reset (${plural(Number(r.collectionsDropped), 'collection')} dropped): re-sync of everything at the next request`;
    return { json: r, text: resetText(r, head) };
  }),

  command({
    name: 'doResetAccount', positionals: ['account'],
    summary: "reset the SyncState of every device of an account",
  }, async (api, a) => {
    const r = await reset(api, positional(a, 'account'), undefined);
    const n = objectsField(r, 'devices').length;
    const head = `All device states of ${shown(r.account)} reset: ${plural(n, 'device')}, ${plural(Number(r.collectionsDropped), 'collection')} dropped`;
    return { json: r, text: resetText(r, head) };
  }),

  command({
    name: 'doSuspendDeviceSync', positionals: ['account', 'device_id'],
    summary: 'suspend a device: every request it makes is refused until doResumeDeviceSync',
  }, async (api, a) => {
    const r = await api.call('POST', `${devicesPath(a)}/${seg(positional(a, 'device_id'))}/suspend`);
    const d = objectField(r, 'device');
    const head = r.changed === false
      ? `Device ${shown(d.id)} of ${shown(r.account)} was already suspended`
      : `Sync of device ${shown(d.id)} of ${shown(r.account)} suspended: its requests are refused until doResumeDeviceSync`;
    return { json: r, text: joinLines([head, ...formatTree({ id: d.id, type: d.type, status: `${shown(d.status)} (${shown(d.statusMeaning)})` }, 1)]) };
  }),

  command({
    name: 'doResumeDeviceSync', ...ONE_OR_ALL,
    summary: "resume a suspended device, or all of an account's suspended devices",
  }, async (api, a, usage) => {
    const id = deviceArg(a, usage);
    const r = await api.call('POST', `${devicesPath(a)}${id === undefined ? '' : `/${seg(id)}`}/resume`);
    const devices = objectsField(r, 'devices');
    const blocks = devices.map((d) => ({ id: d.id, status: `${shown(d.status)} (${shown(d.statusMeaning)})`, message: d.message }));
    if (id !== undefined) {
      const d = devices[0] ?? {};
      return { json: r, text: joinLines([`Device ${shown(d.id)} of ${shown(r.account)}: ${shown(d.message)}`, ...formatTree({ status: blocks[0]?.status }, 1)]) };
    }
    if (devices.length === 0) return { json: r, text: joinLines([`${shown(r.account)} has no devices: nothing to resume`]) };
    const head = `Resumed ${shown(r.resumed)} of ${plural(devices.length, 'device')} of ${shown(r.account)}`;
    return { json: r, text: joinLines([head, ...formatTree({ devices: blocks })]) };
  }),

  command({
    name: 'doPurgeMobileState', positionals: [], keys: [{ name: 'retention-period', value: '<days>' }],
    summary: 'remove every device not seen for the retention period (default 90 days), with its SyncState',
  }, async (api, a, usage) => {
    const raw = a.options.get('retention-period');
    if (raw !== undefined && !/^[1-9]\d{0,8}$/.test(raw)) throw new UsageError(`retention-period must be a positive whole number of days, not "${raw}"`, usage);
    const r = await api.call('POST', '/devices/purge', raw === undefined ? {} : { retentionPeriod: Number(raw) });
    const removed = arrayField(r, 'removed').length === 0 ? [] : objectsField(r, 'removed');
    const since = `unseen for ${plural(Number(r.retentionPeriod), 'day')} (since ${stringField(r, 'cutoff')})`;
    const head = removed.length === 0 ? `No device ${since}: nothing removed` : `Removed ${plural(removed.length, 'device')} ${since}`;
    const blocks = removed.map((d) => ({ account: d.account, id: d.id, type: d.type, lastUsedDate: d.lastUsedDate }));
    return { json: r, text: joinLines([head, ...(blocks.length > 0 ? formatTree({ removed: blocks }) : [])]) };
  }),
];
