// `carbonio config get global [<key>]` and `carbonio config set global <key> <value>`: the settings
// changeable while running (Carbonio's push tuning: notificationsLatency, useInstantNotifications,
// maxPingHeartbeat, minPingHeartbeat, whose ZxMobile_* names work too; and the anti-DoS settings
// mobileAntiDosServiceEnabled, ...JailDuration, ...TimeWindow, ...MaxRequests).
// `get` prints `key value` lines, `set` the key and its new value; `--json` the API's answer. Only the
// global scope exists: every server of an installation reads the same settings.
import { positional, UsageError, type ParsedArgs } from './args.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines } from './format.js';
import { objectsField, stringField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('config', spec, run);

function scopeOf(a: ParsedArgs, usage: string): string {
  const scope = positional(a, 'scope');
  if (scope.toLowerCase() !== 'global') throw new UsageError(`unknown scope "${scope}": only global (every server shares the settings)`, usage);
  return 'global';
}

/** `key value` lines, in the server's order. */
const pairs = (settings: JsonObject[]): string => joinLines(formatTree(Object.fromEntries(settings.map((s) => [stringField(s, 'key'), s.value]))));

export const configCommands: readonly Command[] = [
  command({
    name: 'get', positionals: ['scope'], optional: ['key'],
    summary: 'show the settings of a scope (global), or one of them',
  }, async (api, a, usage) => {
    const scope = scopeOf(a, usage);
    const key = a.positionals.get('key');
    const r = await api.call('GET', `/config/${scope}${key !== undefined ? `?key=${encodeURIComponent(key)}` : ''}`);
    return { json: r, text: pairs(objectsField(r, 'settings')) };
  }),

  command({
    name: 'set', positionals: ['scope', 'key', 'value'],
    summary: 'change one setting (applies to new requests at once; the answer names the allowed values if refused)',
  }, async (api, a, usage) => {
    const scope = scopeOf(a, usage);
    const r = await api.call('PUT', `/config/${scope}`, { key: positional(a, 'key'), value: positional(a, 'value') });
    return { json: r, text: pairs([r]) };
  }),
];
