// `carbonio mobile getFolders <account>` and `carbonio mobile disableFolderSync <account> <folder_id>
// <true|false>` (Carbonio's grammar, carbonio-features.md 3.1: "any folder except system folders"; its
// argument is called item_id there). `true` excludes the folder from mobile sync, as in Carbonio: it
// leaves the phones' folder lists at their next FolderSync; `false` brings it back with a full sync.
// getFolders shows the folder ids to give it. `--json` prints the API's answer. Refusals (system folder,
// unknown folder, rights) exit 1, usage errors 2.
import { parseBool, positional } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, listTree, scalarText } from './format.js';
import { objectField, objectsField, type JsonObject } from './json.js';

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? scalarText(v) : '-');

const block = (f: JsonObject): JsonObject => ({
  id: f.id, path: f.path, kind: f.kind, role: f.role ?? '-', syncEnabled: f.syncEnabled, onPhones: f.onPhones,
});

export const mobileFolderCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'getFolders', positionals: ['account'],
    summary: 'list the folders of an account with their ids and whether they sync to mobile devices',
  }, async (api, a) => {
    const r = await api.call('GET', `/accounts/${seg(positional(a, 'account'))}/folders`);
    return { json: r, text: joinLines([`folders of ${text(r.account)}`, ...listTree('folders', objectsField(r, 'folders').map(block))]) };
  }),

  defineCommand('mobile', {
    name: 'disableFolderSync', positionals: ['account', 'folder_id', 'true|false'],
    summary: 'exclude a folder (any but the system folders) from mobile sync (true), or include it again (false)',
  }, async (api, a, usage) => {
    const disable = parseBool(positional(a, 'true|false'), 'the last argument', usage);
    const r = await api.call('PUT', `/accounts/${seg(positional(a, 'account'))}/folders/${seg(positional(a, 'folder_id'))}/sync`, { enabled: !disable });
    const f = objectField(r, 'folder');
    const head = disable
      ? `Folder ${text(f.id)} (${text(f.path)}) of ${text(r.account)} excluded from mobile sync: it leaves the devices' folder lists at their next FolderSync`
      : `Folder ${text(f.id)} (${text(f.path)}) of ${text(r.account)} included in mobile sync: the devices get it at their next FolderSync, with a full sync`;
    return { json: r, text: joinLines([head, ...formatTree(block(f), 1)]) };
  }),
];
