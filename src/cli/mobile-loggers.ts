// `carbonio mobile doAddAccountLogger <account> <trace|debug|info|warn|err|crit> <log_file> [window_size N]`,
// `carbonio mobile getAccountLoggers` and `carbonio mobile doRemoveLogger <logger_id|all_loggers>`
// (Carbonio's grammar and output, carbonio-features.md 3.4; the server side is src/admin/routes-account-loggers.ts).
// The list is Carbonio's aligned block per logger, plus when it expires (24 h after its last add).
// Refusals (a path outside CARBONIO_LOG_DIR, a file that is not a logger's, rights) exit 1, usage errors 2.
import { UsageError, positional } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { joinLines, scalarText } from './format.js';
import { objectField, objectsField, type JsonObject } from './json.js';

const LEVELS = 'trace|debug|info|warn|err|crit';
const KEY_WIDTH = 16;

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? scalarText(v) : '-');

/** One logger as Carbonio prints it: `    id              7` ... `    remove command  carbonio mobile doRemoveLogger 7`. */
function loggerBlock(l: JsonObject): string[] {
  const rows: Array<[string, unknown]> = [
    ['id', l.id], ['level', l.level], ['name', l.name], ['description', l.description], ['expires', l.expires], ['remove command', l.removeCommand],
  ];
  return rows.map(([k, v]) => `    ${k.padEnd(KEY_WIDTH)}${text(v)}`);
}

export const mobileLoggerCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'doAddAccountLogger', positionals: ['account', LEVELS, 'log_file'], keys: [{ name: 'window_size', value: 'N' }],
    summary: 'log every ActiveSync request of an account to a file in CARBONIO_LOG_DIR for 24 h (window_size: force that Sync window on its devices)',
  }, async (api, a, usage) => {
    const windowSize = a.options.get('window_size');
    if (windowSize !== undefined && !/^[1-9]\d*$/.test(windowSize)) throw new UsageError(`window_size must be a whole number above 0, not "${windowSize}"`, usage);
    const r = await api.call('POST', '/mobile/loggers', {
      account: positional(a, 'account'), level: positional(a, LEVELS), file: positional(a, 'log_file'),
      ...(windowSize !== undefined ? { windowSize: Number(windowSize) } : {}),
    });
    const l = objectField(r, 'logger');
    const head = `${r.renewed === true ? 'Renewed' : 'Added'} logger ${text(l.id)}: ${text(l.description)} (until ${text(l.expires)})`;
    return { json: r, text: joinLines([head]) };
  }),

  defineCommand('mobile', {
    name: 'getAccountLoggers', positionals: [],
    summary: 'list the active account loggers',
  }, async (api) => {
    const r = await api.call('GET', '/mobile/loggers');
    const blocks = objectsField(r, 'loggers').map(loggerBlock);
    return { json: r, text: joinLines(['loggers', ...(blocks.length === 0 ? ['    no loggers'] : blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b])))]) };
  }),

  defineCommand('mobile', {
    name: 'doRemoveLogger', positionals: ['logger_id|all_loggers'],
    summary: 'stop an account logger (its file is kept), or all of them',
  }, async (api, a, usage) => {
    const id = positional(a, 'logger_id|all_loggers');
    if (id !== 'all_loggers' && !/^[1-9]\d*$/.test(id)) throw new UsageError(`give a logger id (see getAccountLoggers) or all_loggers, not "${id}"`, usage);
    const r = await api.call('DELETE', `/mobile/loggers/${seg(id)}`);
    const ids = objectsField(r, 'loggers').map((l) => text(l.id));
    return { json: r, text: joinLines([ids.length === 0 ? 'No logger removed' : `Removed ${ids.length} logger${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}`]) };
  }),
];
