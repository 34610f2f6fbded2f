// `carbonio mobile getDeviceList <account>`, `getDeviceInfo <account> <device_id> [verbose true|false]`
// and `getAllDevices [verbose true|false] [domains d1,d2]` (Carbonio's names, carbonio-features.md
// 3.1): ActiveSync devices from the admin API, printed as Carbonio's indented key/value tree with
// GetDeviceStatus field names and, for the rest, the API's (the same names as `--json`); `-v` is
// `verbose true`; getDeviceInfo verbose adds the User-Agent history and each synced
// folder's progress (z-push-admin style, with items needing attention); `--json` prints the API's
// answer. Fields are picked one by one so the text shows only what is meant to be shown: a device's
// recovery password only through `getDeviceRecoveryPassword <account> <device_id>`.
import { parseBool, parseList, positional, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, listTree } from './format.js';
import { isObject, objectField, objectsField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('mobile', spec, run);

const devicesPath = (a: ParsedArgs): string => `/accounts/${seg(positional(a, 'account'))}/devices`;

/** One line per device in the list: the id and what tells devices apart at a glance. */
function listBlock(d: JsonObject): JsonObject {
  return {
    id: d.id,
    type: d.type,
    ua: d.ua,
    protocol: d.protocol,
    status: d.status,
    lastUsedDate: d.lastUsedDate,
  };
}

/** One collection's SyncState: the hierarchy counts folders, a folder shows held/total items. */
function syncBlock(c: JsonObject): JsonObject {
  const attention = Array.isArray(c.attentionNeeded) ? c.attentionNeeded : [];
  return {
    collectionId: c.collectionId,
    folder: c.folder,
    syncKey: c.syncKey,
    lastSync: c.lastSync,
    ...(c.kind === 'hierarchy' ? { total: c.total } : { progress: c.progress ?? (typeof c.held === 'number' ? `${c.held} held` : null) }),
    ...(attention.length > 0 ? { attentionNeeded: attention } : {}),
  };
}

function infoBlock(d: JsonObject, verbose: boolean): JsonObject {
  const history = Array.isArray(d.userAgentHistory) ? d.userAgentHistory.filter(isObject) : [];
  return {
    id: d.id,
    type: d.type,
    protocol: d.protocol,
    ua: d.ua,
    model: d.model,
    imei: d.imei,
    friendly_name: d.friendly_name,
    os: d.os,
    os_language: d.os_language,
    phone_number: d.phone_number,
    operator: d.operator,
    enableOutboundSms: d.enableOutboundSms,
    status: d.status,
    statusMeaning: d.statusMeaning,
    provisionable: d.provisionable,
    hasPolicyKey: d.hasPolicyKey,
    firstReqReceived: d.firstReqReceived,
    lastUsedDate: d.lastUsedDate,
    lastAddress: d.lastAddress,
    remoteWipeReqTime: d.remoteWipeReqTime,
    remoteWipeAckTime: d.remoteWipeAckTime,
    wipeAccountOnly: d.wipeAccountOnly,
    recoveryPasswordSet: d.recoveryPasswordSet,
    ...(verbose ? { userAgentHistory: history.map((h) => ({ ua: h.ua, firstSeen: h.firstSeen })) } : {}),
  };
}

export const mobileDeviceCommands: readonly Command[] = [
  command({ name: 'getDeviceList', positionals: ['account'], summary: "list an account's ActiveSync devices" }, async (api, a) => {
    const r = await api.call('GET', devicesPath(a));
    return { json: r, text: joinLines(listTree('devices', objectsField(r, 'devices').map(listBlock))) };
  }),

  command({
    name: 'getDeviceInfo', positionals: ['account', 'device_id'], keys: [{ name: 'verbose', value: 'true|false' }],
    summary: "show one device of an account (verbose adds the User-Agent history and each folder's sync progress)",
  }, async (api, a, usage) => {
    const v = a.options.get('verbose');
    const verbose = v === undefined ? false : parseBool(v, 'verbose', usage);
    const r = await api.call('GET', `${devicesPath(a)}/${seg(positional(a, 'device_id'))}${verbose ? '?verbose=true' : ''}`);
    const device = infoBlock(objectField(r, 'device'), verbose);
    if (verbose) device.sync = Array.isArray(r.sync) && r.sync.length > 0 ? objectsField(r, 'sync').map(syncBlock) : 'none (the device syncs everything at its next request)';
    return { json: r, text: joinLines(formatTree({ device })) };
  }),

  command({
    name: 'getDeviceRecoveryPassword', positionals: ['account', 'device_id'],
    summary: 'show the recovery password a device set (when its policy enables PasswordRecoveryEnabled)',
  }, async (api, a) => {
    const r = await api.call('GET', `${devicesPath(a)}/${seg(positional(a, 'device_id'))}/recovery-password`);
    return { json: r, text: joinLines(formatTree({ account: r.account, deviceId: r.deviceId, recoveryPassword: r.recoveryPassword ?? 'none set' })) };
  }),

  command({
    name: 'getAllDevices', positionals: [], keys: [{ name: 'verbose', value: 'true|false' }, { name: 'domains', value: '<d1,d2>' }],
    summary: 'list the devices of every account (a delegated admin: of his domains), or of some domains',
  }, async (api, a, usage) => {
    const v = a.options.get('verbose');
    const verbose = v === undefined ? false : parseBool(v, 'verbose', usage);
    const d = a.options.get('domains');
    const domains = d === undefined ? [] : parseList(d, 'domains', usage);
    const r = await api.call('GET', `/devices${domains.length > 0 ? `?domains=${encodeURIComponent(domains.join(','))}` : ''}`);
    const blocks = objectsField(r, 'devices').map((x) => ({ account: x.account, ...(verbose ? infoBlock(x, false) : listBlock(x)) }));
    return { json: r, text: joinLines(listTree('devices', blocks)) };
  }),
];
