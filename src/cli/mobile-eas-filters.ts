// EAS version filters (issue 15; Carbonio's grammar and sample output, carbonio-features.md 3.3):
//   carbonio mobile getAllEASFilters
//   carbonio mobile doAddEASFilter <and|or|regex|contains|account|domain|always> <parameter> <add|subtract|fixed|limit> <v1,v2..> [blocking true|false]
//   carbonio mobile doDeleteEASFilter <id>
//   carbonio mobile doMoveEASFilter <from> <to>
// The parameter of and/or lists sub-rules as `type:value` separated by commas, e.g.
// `contains:outlook/,contains:microsoft.outlook` (`\,` for a comma inside a value); `always` takes `*`.
// Positions (doMoveEASFilter) are 0-based places in getAllEASFilters' list; IDs never change. The
// server validates everything (known versions, regexes, existing accounts and domains); refusals exit 1.
// Output: `filters` then one block per filter with ID, mode, rule, easversions, blocking as in
// Carbonio's sample; `--json` prints the API's answer (which also has each filter's position).
import { parseBool, positional, UsageError } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, listTree } from './format.js';
import { objectField, objectsField, type JsonObject } from './json.js';

/** One filter as Carbonio prints it. */
const block = (f: JsonObject): JsonObject => ({ ID: f.id, mode: f.mode, rule: f.rule, easversions: f.easversions, blocking: f.blocking });

const list = (r: JsonObject): string => joinLines(listTree('filters', objectsField(r, 'filters').map(block)));

function position(value: string, what: string, usage: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`<${what}> must be a position (0 for the first filter), not "${value}"`, usage);
  return Number(value);
}

export const mobileEasFilterCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'getAllEASFilters', positionals: [],
    summary: 'list the EAS version filters in evaluation order',
  }, async (api) => {
    const r = await api.call('GET', '/eas-filters');
    return { json: r, text: list(r) };
  }),

  defineCommand('mobile', {
    name: 'doAddEASFilter', positionals: ['and|or|regex|contains|account|domain|always', 'parameter', 'add|subtract|fixed|limit', 'v1,v2..'],
    keys: [{ name: 'blocking', value: 'true|false' }],
    summary: 'add an EAS version filter at the end of the list (and/or: parameter type:value,type:value; always: parameter *)',
  }, async (api, a, usage) => {
    const blocking = a.options.get('blocking');
    const r = await api.call('POST', '/eas-filters', {
      type: positional(a, 'and|or|regex|contains|account|domain|always'),
      parameter: positional(a, 'parameter'),
      mode: positional(a, 'add|subtract|fixed|limit'),
      versions: positional(a, 'v1,v2..'),
      blocking: blocking === undefined ? false : parseBool(blocking, 'blocking', usage),
    });
    const f = objectField(r, 'filter');
    return { json: r, text: joinLines(['EAS filter added', ...formatTree(block(f), 1)]) };
  }),

  defineCommand('mobile', {
    name: 'doDeleteEASFilter', positionals: ['id'],
    summary: 'delete an EAS version filter by its ID (the default Outlook filter too)',
  }, async (api, a) => {
    const r = await api.call('DELETE', `/eas-filters/${seg(positional(a, 'id'))}`);
    const f = objectField(r, 'deleted');
    return { json: r, text: joinLines(['EAS filter deleted', ...formatTree(block(f), 1)]) };
  }),

  defineCommand('mobile', {
    name: 'doMoveEASFilter', positionals: ['from', 'to'],
    summary: 'move the EAS filter at position <from> to position <to> (0 is the first, evaluated first)',
  }, async (api, a, usage) => {
    const r = await api.call('POST', '/eas-filters/move', { from: position(positional(a, 'from'), 'from', usage), to: position(positional(a, 'to'), 'to', usage) });
    return { json: r, text: list(r) };
  }),
];
