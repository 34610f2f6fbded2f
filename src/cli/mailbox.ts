// `carbonio mailbox importContacts <account> <file.vcf>`, `exportContacts <account> [<file>]`,
// `importCalendar <account> <file.ics>`, `exportCalendar <account> [<file>]`, each with `[folder <name>]`
// (default: the account's Contacts / Calendar folder). An export without a file prints the vCard or
// iCalendar text; `--json` prints the API's answer. Files are read and written here, on the admin's side.
import fs from 'node:fs';
import { positional, UsageError } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { joinLines } from './format.js';
import { stringField } from './json.js';
import { mailTransferCommands } from './mail-transfer.js';

const folderKey = [{ name: 'folder', value: '<name>' }];

function readFile(file: string, usage: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, usage);
  }
}

function importCommand(name: string, what: 'contacts' | 'calendar', noun: string): Command {
  return defineCommand('mailbox', {
    name, positionals: ['account', 'file'], keys: folderKey,
    summary: `add the ${noun} of a ${what === 'contacts' ? 'vCard (.vcf)' : 'iCalendar (.ics)'} file to an account's ${what === 'contacts' ? 'Contacts' : 'Calendar'} folder`,
  }, async (api, a, usage) => {
    const account = positional(a, 'account');
    const data = readFile(positional(a, 'file'), usage);
    const folder = a.options.get('folder');
    const r = await api.call('POST', `/accounts/${seg(account)}/${what}/import`, { data, ...(folder !== undefined ? { folder } : {}) });
    const skipped = Array.isArray(r.skipped) ? r.skipped.length : 0;
    const updated = typeof r.updated === 'number' && r.updated > 0 ? `, updated ${r.updated}` : '';
    return { json: r, text: joinLines([`imported ${String(r.imported)} ${noun} into ${stringField(r, 'folder')}${updated}${skipped ? `, skipped ${skipped}` : ''}`]) };
  });
}

function exportCommand(name: string, what: 'contacts' | 'calendar', noun: string): Command {
  return defineCommand('mailbox', {
    name, positionals: ['account'], optional: ['file'], keys: folderKey,
    summary: `write an account's ${noun} as ${what === 'contacts' ? 'vCard 3.0' : 'iCalendar'} to a file (or print it)`,
  }, async (api, a, usage) => {
    const account = positional(a, 'account');
    const folder = a.options.get('folder');
    const r = await api.call('GET', `/accounts/${seg(account)}/${what}/export${folder !== undefined ? `?folder=${seg(folder)}` : ''}`);
    const text = stringField(r, 'text');
    const file = a.positionals.get('file');
    if (file === undefined) return { json: r, text };
    try {
      fs.writeFileSync(file, text);
    } catch (err) {
      throw new UsageError(`cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`, usage);
    }
    return { json: r, text: joinLines([`exported ${String(r.count)} ${noun} from ${stringField(r, 'folder')} to ${file}`]) };
  });
}

export const mailboxCommands: readonly Command[] = [
  importCommand('importContacts', 'contacts', 'contacts'),
  exportCommand('exportContacts', 'contacts', 'contacts'),
  importCommand('importCalendar', 'calendar', 'events'),
  exportCommand('exportCalendar', 'calendar', 'events'),
  ...mailTransferCommands,
];
