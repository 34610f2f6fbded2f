// `carbonio audit list [account A] [actor A] [since T] [limit N]` (issue 17 part 3): the audit trail,
// newest first, one indented block per entry (time in ISO 8601 UTC, who, from where, what, on what,
// and the outcome). T is an ISO 8601 date/time or a span back from now (7d, 24h), checked here so a
// typo is a usage error (exit 2); the server reads it again. `--json` prints the API's answer.
import { parseTimeSpec, TIME_SPEC_HELP } from '../core/time-spec.js';
import { UsageError } from './args.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines } from './format.js';
import { isObject, objectsField, type JsonObject } from './json.js';

const block = (e: JsonObject): JsonObject => ({
  time: e.time,
  actor: e.actor,
  address: e.address,
  via: e.via,
  action: e.action,
  target: e.target === '' ? undefined : e.target,
  account: e.account !== e.target ? e.account : undefined,
  domain: e.account === null || e.account === undefined ? e.domain : undefined,
  outcome: e.outcome === 'ok' ? 'ok' : `${String(e.status)} ${String(e.outcome)}`,
  detail: isObject(e.detail) && Object.keys(e.detail).length > 0 ? e.detail : undefined,
});

export const auditCommands: readonly Command[] = [
  defineCommand('audit', {
    name: 'list', positionals: [],
    keys: [{ name: 'account', value: '<email>' }, { name: 'actor', value: '<email>' }, { name: 'since', value: '<time|7d|24h>' }, { name: 'limit', value: '<n>' }],
    summary: 'list the changes made through the admin API, CLI and user page (newest first): who, from where, what, on what, outcome',
  }, async (api, a, usage) => {
    const q = new URLSearchParams();
    for (const key of ['account', 'actor', 'since', 'limit']) {
      const v = a.options.get(key);
      if (v !== undefined) q.set(key, v);
    }
    const since = q.get('since');
    if (since !== null && parseTimeSpec(since, Date.now()) === null) throw new UsageError(`since must be ${TIME_SPEC_HELP}, not "${since}"`, usage);
    const limit = q.get('limit');
    if (limit !== null && !/^[1-9]\d{0,3}$/.test(limit)) throw new UsageError(`limit must be a whole number from 1 to 1000, not "${limit}"`, usage);
    const query = q.toString();
    const r = await api.call('GET', `/audit${query ? `?${query}` : ''}`);
    const entries = objectsField(r, 'entries');
    return { json: r, text: entries.length === 0 ? 'no audit entries\n' : joinLines(formatTree({ entries: entries.map(block) })) };
  }),
];
