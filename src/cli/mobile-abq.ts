// `carbonio mobile ABQ ...` and `carbonio mobile set|get|deleteABQMessage` (carbonio-features.md 3.5),
// clients of /api/admin/abq (src/admin/routes-abq.ts):
//   ABQ list [status Allowed|Blocked|Quarantined]
//   ABQ set <device_id> <Allowed|Blocked|Quarantined> [account <uuid|name>]
//   ABQ allow|block <device_id> [account <uuid|name>]        ABQ delete <device_id> [account <uuid|name>]
//   ABQ import <file> <status>    (one device_id or device_id/account per line; prints "N devices added")
//   ABQ setRule <regex> <status> <order> [domain d]   ABQ listRules [domain d]   ABQ deleteRule <regex> [domain d]
//   ABQ setNotificationInterval 45m|6h|1d|0
//   setABQMessage global|domain <d> <blocked|quarantined> <default|locale> [from ..] [reply_to ..] [subject ..]
//                 [body_plain ..] [body_plain_file ..] [body_html ..] [body_html_file ..]
//   getABQMessage / deleteABQMessage global|domain <d> <blocked|quarantined> <all|default|locale>
//   duplicateABQMessage global|domain <d> <blocked|quarantined> <locale_from> <locale_to>
// Text output is Carbonio's key/value tree; `--json` prints the API's answer.
import fs from 'node:fs';
import { positional, UsageError, type ParsedArgs } from './args.js';
import { seg, type AdminClient } from './client.js';
import { defineCommand, type Command, type Output } from './command.js';
import { formatTree, joinLines, listTree } from './format.js';
import { objectField, objectsField } from './json.js';

const abq = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('mobile ABQ', spec, run);
const account = { name: 'account', value: '<uuid|name>' };
const domain = { name: 'domain', value: '<domain>' };

function readFile(file: string, usage: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, usage);
  }
}

const query = (pairs: Record<string, string | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(pairs)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
};

/** One device's new status, and the devices of that id now known with whether they were moved. */
async function setStatus(api: AdminClient, a: ParsedArgs, status: string): Promise<Output> {
  const deviceId = positional(a, 'device_id');
  const acc = a.options.get('account');
  const r = await api.call('PUT', `/abq/devices/${seg(deviceId)}`, { status, ...(acc !== undefined ? { account: acc } : {}) });
  const d = objectField(r, 'device');
  return { json: r, text: joinLines(formatTree({ device_id: d.device_id, account: d.account, status: d.status, previous: r.previous ?? '-', devices: objectsField(r, 'devices') })) };
}

/** global | domain <d>, then <kind> <locale>: the three message commands' target. */
function messageTarget(a: ParsedArgs, usage: string): Record<string, string> {
  const scope = positional(a, 'global|domain').toLowerCase();
  const second = positional(a, 'domain_or_kind');
  const third = positional(a, 'kind_or_locale');
  const fourth = a.positionals.get('locale');
  if (scope === 'global') {
    if (fourth !== undefined) throw new UsageError(`unexpected argument "${fourth}"`, usage);
    return { kind: second, locale: third };
  }
  if (scope === 'domain') {
    if (fourth === undefined) throw new UsageError('missing <default|locale> after domain <d> <blocked|quarantined>', usage);
    return { domain: second, kind: third, locale: fourth };
  }
  throw new UsageError(`the first argument is global or domain, not "${scope}"`, usage);
}

const messageSpec = { positionals: ['global|domain', 'domain_or_kind', 'kind_or_locale'], optional: ['locale'] } as const;

const messageBlock = (m: Record<string, unknown>) => ({
  scope: m.scope, kind: m.kind, locale: m.locale, stored: m.stored, from: m.from || '-', reply_to: m.reply_to || '-', subject: m.subject, body_plain: m.body_plain, body_html: m.body_html || '-',
});

export const mobileAbqCommands: readonly Command[] = [
  abq({ name: 'list', positionals: [], keys: [{ name: 'status', value: 'Allowed|Blocked|Quarantined' }], summary: 'show the device control list (device_id for all accounts, or device_id/account)' }, async (api, a) => {
    const r = await api.call('GET', `/abq/devices${query({ status: a.options.get('status') })}`);
    return { json: r, text: joinLines(listTree('devices', objectsField(r, 'devices'))) };
  }),
  abq({ name: 'set', positionals: ['device_id', 'Allowed|Blocked|Quarantined'], keys: [account], summary: 'put a device on the list with a status (for one account, or all)' },
    (api, a) => setStatus(api, a, positional(a, 'Allowed|Blocked|Quarantined'))),
  abq({ name: 'allow', positionals: ['device_id'], keys: [account], summary: 'allow a (quarantined) device: it syncs the real mailbox from scratch' }, (api, a) => setStatus(api, a, 'Allowed')),
  abq({ name: 'block', positionals: ['device_id'], keys: [account], summary: 'block a device: it syncs only the notice from then on' }, (api, a) => setStatus(api, a, 'Blocked')),
  abq({ name: 'delete', positionals: ['device_id'], keys: [account], summary: 'remove a device from the list (the rules and the mode decide again)' }, async (api, a) => {
    const acc = a.options.get('account');
    const r = await api.call('DELETE', `/abq/devices/${seg(positional(a, 'device_id'))}${query({ account: acc })}`);
    return { json: r, text: joinLines(formatTree({ ...objectField(r, 'deleted'), devices: objectsField(r, 'devices') })) };
  }),
  abq({ name: 'import', positionals: ['file', 'Allowed|Blocked|Quarantined'], summary: 'put the devices of a file (device_id or device_id/account per line) on the list with a status' }, async (api, a, usage) => {
    const lines = readFile(positional(a, 'file'), usage).split(/\r?\n/);
    const r = await api.call('POST', '/abq/import', { status: positional(a, 'Allowed|Blocked|Quarantined'), lines });
    const n = typeof r.added === 'number' ? r.added : 0;
    return { json: r, text: `${n} device${n === 1 ? '' : 's'} added\n` };
  }),
  abq({ name: 'setRule', positionals: ['regex', 'status', 'order'], keys: [domain], summary: 'a status for devices whose type, model or user agent match a regex, in order, before the mode\'s default' }, async (api, a) => {
    const d = a.options.get('domain');
    const r = await api.call('PUT', '/abq/rules', { regex: positional(a, 'regex'), status: positional(a, 'status'), order: positional(a, 'order'), ...(d !== undefined ? { domain: d } : {}) });
    return { json: r, text: joinLines(formatTree({ rule: objectField(r, 'rule') })) };
  }),
  abq({ name: 'listRules', positionals: [], keys: [domain], summary: 'show the rules (global and per domain), in order' }, async (api, a) => {
    const r = await api.call('GET', `/abq/rules${query({ domain: a.options.get('domain') })}`);
    return { json: r, text: joinLines(listTree('rules', objectsField(r, 'rules'))) };
  }),
  abq({ name: 'deleteRule', positionals: ['regex'], keys: [domain], summary: 'remove a rule' }, async (api, a) => {
    const r = await api.call('DELETE', `/abq/rules${query({ regex: positional(a, 'regex'), domain: a.options.get('domain') })}`);
    return { json: r, text: joinLines(formatTree(objectField(r, 'deleted'))) };
  }),
  abq({ name: 'setNotificationInterval', positionals: ['45m|6h|1d|0'], summary: 'how often admins get a mail listing newly quarantined devices (0: never)' }, async (api, a) => {
    const r = await api.call('PUT', '/abq/notification-interval', { interval: positional(a, '45m|6h|1d|0') });
    return { json: r, text: joinLines(formatTree({ interval: r.interval })) };
  }),

  defineCommand('mobile', {
    name: 'setABQMessage', ...messageSpec,
    keys: ['from', 'reply_to', 'subject', 'body_plain', 'body_plain_file', 'body_html', 'body_html_file'].map((name) => ({ name, value: `<${name.endsWith('_file') ? 'file' : 'text'}>` })),
    summary: 'set the notice a blocked or quarantined device finds in its Inbox (global or per domain, per locale)',
  }, async (api, a, usage) => {
    const target = messageTarget(a, usage);
    const fields: Record<string, string> = {};
    for (const k of ['from', 'reply_to', 'subject', 'body_plain', 'body_html']) {
      const v = a.options.get(k);
      const file = a.options.get(`${k}_file`);
      if (v !== undefined && file !== undefined) throw new UsageError(`give ${k} or ${k}_file, not both`, usage);
      if (v !== undefined) fields[k] = v;
      if (file !== undefined) fields[k] = readFile(file, usage);
    }
    if (Object.keys(fields).length === 0) throw new UsageError('nothing to set: give at least one of from, reply_to, subject, body_plain(_file), body_html(_file)', usage);
    const r = await api.call('PUT', '/abq/messages', { ...target, ...fields });
    return { json: r, text: joinLines(formatTree({ message: messageBlock(objectField(r, 'message')) })) };
  }),
  defineCommand('mobile', { name: 'getABQMessage', ...messageSpec, summary: 'show the notice(s) of a scope, kind and locale (all, default or one locale)' }, async (api, a, usage) => {
    const r = await api.call('GET', `/abq/messages${query(messageTarget(a, usage))}`);
    return { json: r, text: joinLines(listTree('messages', objectsField(r, 'messages').map(messageBlock))) };
  }),
  defineCommand('mobile', { name: 'deleteABQMessage', ...messageSpec, summary: 'remove a notice (devices then get the global one, or the built-in text)' }, async (api, a, usage) => {
    const r = await api.call('DELETE', `/abq/messages${query(messageTarget(a, usage))}`);
    return { json: r, text: joinLines(formatTree(objectField(r, 'deleted'))) };
  }),
  defineCommand('mobile', {
    name: 'duplicateABQMessage', positionals: ['global|domain', 'domain_or_kind', 'kind_or_from', 'from_or_to'], optional: ['to'],
    summary: 'copy a notice to another locale (default with none set: the built-in text)',
  }, async (api, a, usage) => {
    const scope = positional(a, 'global|domain').toLowerCase();
    const w = ['domain_or_kind', 'kind_or_from', 'from_or_to', 'to'].map((n) => a.positionals.get(n));
    let body: Record<string, string | undefined>;
    if (scope === 'global') {
      if (w[3] !== undefined) throw new UsageError(`unexpected argument "${w[3]}"`, usage);
      body = { kind: w[0], from: w[1], to: w[2] };
    } else if (scope === 'domain') {
      if (w[3] === undefined) throw new UsageError('missing <locale_to> after domain <d> <blocked|quarantined> <locale_from>', usage);
      body = { domain: w[0], kind: w[1], from: w[2], to: w[3] };
    } else throw new UsageError(`the first argument is global or domain, not "${scope}"`, usage);
    const r = await api.call('POST', '/abq/messages/duplicate', body);
    return { json: r, text: joinLines(formatTree({ message: messageBlock(objectField(r, 'message')) })) };
  }),
];
