// `carbonio config get global [<key>]`, `carbonio config set global <key> <value>`: the settings
// changeable while running (Carbonio's push tuning: notificationsLatency, useInstantNotifications,
// maxPingHeartbeat, minPingHeartbeat, also by their ZxMobile_* names; the anti-DoS settings
// mobileAntiDosServiceEnabled, ...JailDuration, ...TimeWindow, ...MaxRequests; and abqMode). abqMode is also set
// per domain and per account, the most specific wins: `carbonio config get domain <d> [abqMode]`,
// `carbonio config set domain <d> abqMode Strict`, `... account <a> ...`; the value `default` removes a
// domain's or account's own value (and resets the global one to Disabled). `get` prints `key value`
// lines, `set` the key and its new value; `--json` the API's answer.
import { UsageError, positional, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines } from './format.js';
import { objectsField, stringField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('config', spec, run);

/** The API path of a scope and the words after it: `global`, `domain <d>` or `account <a>`. */
function scopeOf(a: ParsedArgs, words: readonly string[], usage: string): { path: string; rest: string[] } {
  const scope = positional(a, 'scope').toLowerCase();
  if (scope === 'global') return { path: '/config/global', rest: [...words] };
  if (scope === 'domain' || scope === 'account') {
    const [name, ...rest] = words;
    if (name === undefined) throw new UsageError(`missing the ${scope} name after "${scope}"`, usage);
    return { path: `/config/${scope}/${seg(name)}`, rest };
  }
  throw new UsageError(`unknown scope "${positional(a, 'scope')}": only global, domain <name> or account <name>`, usage);
}

const words = (a: ParsedArgs, names: readonly string[]): string[] => names.map((n) => a.positionals.get(n)).filter((w): w is string => w !== undefined);

/** `key value` lines, in the server's order. */
const pairs = (settings: JsonObject[]): string => joinLines(formatTree(Object.fromEntries(settings.map((s) => [stringField(s, 'key'), s.value]))));

export const configCommands: readonly Command[] = [
  command({
    name: 'get', positionals: ['scope'], optional: ['key', 'scoped_key'],
    summary: 'show the settings of a scope (global, domain <d>, account <a>), or one of them',
  }, async (api, a, usage) => {
    const { path, rest } = scopeOf(a, words(a, ['key', 'scoped_key']), usage);
    if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`, usage);
    const key = rest[0];
    const r = await api.call('GET', `${path}${key !== undefined ? `?key=${encodeURIComponent(key)}` : ''}`);
    return { json: r, text: pairs(objectsField(r, 'settings')) };
  }),

  command({
    // Global: <key> <value>; domain and account take their name first, so their value is the last word.
    name: 'set', positionals: ['scope', 'key', 'value'], optional: ['scoped_value'],
    summary: 'change one setting (global <key> <value>, or domain|account <name> abqMode <mode|default>); the answer names the allowed values if refused',
  }, async (api, a, usage) => {
    const { path, rest } = scopeOf(a, words(a, ['key', 'value', 'scoped_value']), usage);
    const [key, value, extra] = rest;
    if (key === undefined || value === undefined) throw new UsageError('missing <value>', usage);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, usage);
    const r = await api.call('PUT', path, { key, value });
    return { json: r, text: pairs([r]) };
  }),
];
