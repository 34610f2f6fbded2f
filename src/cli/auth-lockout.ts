// `carbonio auth lockout list|clear`: the brute-force counters every server process shares (what is
// counted, what is locked and until when, an account's familiar addresses and devices), and clearing
// them for an account or a client address.
import { positional, UsageError } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { joinLines, listTree, scalarText } from './format.js';
import { objectsField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('auth lockout', spec, run);

const counterBlock = (c: JsonObject): JsonObject => ({
  key: c.key,
  failures: c.failures,
  since: c.since,
  lockedUntil: c.lockedUntil ?? 'not locked',
});

const familiarBlock = (f: JsonObject): JsonObject => ({ kind: f.kind, value: f.value, lastSuccess: f.lastSuccess });

export const authLockoutCommands: readonly Command[] = [
  command({
    name: 'list', positionals: [], keys: [{ name: 'account', value: '<email>' }, { name: 'address', value: '<ip>' }],
    summary: 'failed-login counters and locks (all server processes), and the familiar addresses and devices of an account',
  }, async (api, a) => {
    const q = new URLSearchParams();
    for (const k of ['account', 'address']) {
      const v = a.options.get(k);
      if (v !== undefined) q.set(k, v);
    }
    const query = q.size > 0 ? `?${q.toString()}` : '';
    const r = await api.call('GET', `/auth/lockouts${query}`);
    const counters = objectsField(r, 'lockouts');
    const lines = listTree('lockouts', counters.map(counterBlock));
    if (Array.isArray(r.familiar)) {
      const familiar = objectsField(r, 'familiar');
      lines.push(...listTree('familiar', familiar.map(familiarBlock), 'familiar addresses or devices'));
    }
    return { json: r, text: joinLines(lines) };
  }),

  command({
    name: 'clear', positionals: ['account|address', 'value'],
    summary: 'clear the failed-login counters and locks of an account or of a client address',
  }, async (api, a, usage) => {
    const target = positional(a, 'account|address').toLowerCase();
    const value = positional(a, 'value');
    if (target !== 'account' && target !== 'address') throw new UsageError(`the first argument must be account or address, not "${target}"`, usage);
    const r = await api.call('DELETE', `/auth/lockouts/${target === 'account' ? 'accounts' : 'addresses'}/${seg(value)}`);
    return { json: r, text: `Cleared ${scalarText(Number(r.cleared))} counter(s) of ${target} ${scalarText(value)}\n` };
  }),
];
