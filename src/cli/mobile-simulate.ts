// `carbonio mobile doSimulateSync <account> <device_id|new> [days N] [initial true|false] [device_type
// iphone|android] [window_size N] [max_windows N] [max_ms N]` (Carbonio's grammar, carbonio-features.md 3.1;
// window_size, max_windows and max_ms are ours): runs the server's Sync engine for a device without the phone and prints, per
// folder, the items it would receive, in how many windows, the WBXML bytes and the time taken, then a total.
// Nothing changes on the server (the run keeps its SyncState in memory). `--json` prints the API's answer. Refusals (unknown
// device, bad values, rights) exit 1; usage errors (a non-number, a bad true|false) exit 2.
import { parseBool, positional, UsageError, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, scalarText } from './format.js';
import { objectField, objectsField, type JsonObject } from './json.js';

const shown = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? scalarText(v) : '-');

function intOption(a: ParsedArgs, key: string, usage: string): number | undefined {
  const v = a.options.get(key);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`${key} must be a whole number, not "${v}"`, usage);
  return Number(v);
}

const folderBlock = (f: JsonObject): JsonObject => ({
  id: f.id, name: f.name, kind: f.kind, status: f.status, items: f.items, adds: f.adds, changes: f.changes, deletes: f.deletes,
  softDeletes: f.softDeletes, windows: f.windows, windowSize: f.windowSize, bytes: f.bytes, ms: f.ms, capped: f.capped ?? 'no',
});

function reportText(r: JsonObject): string {
  const mode = r.initial === true ? 'initial sync from SyncKey 0' : 'next incremental Sync';
  const head = `Simulated ${mode} of ${shown(r.account)}, device ${shown(r.device)} (${shown(r.deviceType)}, EAS ${shown(r.protocolVersion)}), `
    + `days ${shown(r.days)} (FilterType ${shown(r.filterType)}): nothing kept, no SyncState changed`;
  const limits = objectField(r, 'limits');
  const out = [head, ...formatTree({ bodyPreference: r.bodyPreference, folders: objectsField(r, 'folders').map(folderBlock) })];
  const skipped = objectsField(r, 'skipped');
  if (skipped.length > 0) out.push(...formatTree({ skipped: skipped.map((s) => ({ id: s.id, name: s.name })) }));
  out.push(...formatTree({ total: objectField(r, 'total') }));
  if (r.capped === true) {
    out.push(`Capped at ${shown(limits.windowsPerFolder)} windows per folder and ${shown(limits.ms)} ms in all: the figures of capped or skipped folders are lower bounds`);
  }
  return joinLines(out);
}

export const mobileSimulateCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'doSimulateSync', positionals: ['account', 'device_id|new'],
    keys: [
      { name: 'days', value: '<N>' }, { name: 'initial', value: 'true|false' }, { name: 'device_type', value: 'iphone|android' },
      { name: 'window_size', value: '<N>' }, { name: 'max_windows', value: '<N>' }, { name: 'max_ms', value: '<N>' },
    ],
    summary: 'run the Sync engine for a device without the phone (nothing is kept): items, windows, bytes and time per folder',
  }, async (api, a, usage) => {
    const initial = a.options.get('initial');
    const body = {
      deviceId: positional(a, 'device_id|new'),
      ...(initial !== undefined ? { initial: parseBool(initial, 'initial', usage) } : {}),
      ...(a.options.has('days') ? { days: intOption(a, 'days', usage) } : {}),
      ...(a.options.has('device_type') ? { deviceType: a.options.get('device_type') } : {}),
      ...(a.options.has('window_size') ? { windowSize: intOption(a, 'window_size', usage) } : {}),
      ...(a.options.has('max_windows') ? { maxWindows: intOption(a, 'max_windows', usage) } : {}),
      ...(a.options.has('max_ms') ? { maxMs: intOption(a, 'max_ms', usage) } : {}),
    };
    const r = await api.call('POST', `/accounts/${seg(positional(a, 'account'))}/simulate-sync`, body);
    return { json: r, text: reportText(r) };
  }),
];
