// A 16.1 phone syncing one folder over real HTTP, for suites that drive a single collection from several
// devices (drafts): Sync with the device's current key (GetChanges once it has one), the answer's
// Collection, and the new key remembered per device. 14.0+ may answer an empty body when nothing
// changed (MS-ASCMD 2.2.1.21): that is an empty Collection here and the key stays.
import assert from 'node:assert/strict';
import { child, el, ns, textOf, type WbxmlElement } from '../../src/eas/wbxml/index.js';
import { easRequest } from './eas-client.js';

const as = ns('AirSync');
const asb = ns('AirSyncBase');

export interface FolderPhones {
  /** Sync of the folder by `deviceId`, with the given client commands. */
  sync: (deviceId: string, commands?: WbxmlElement[]) => Promise<WbxmlElement>;
  /** FolderSync from scratch, then the initial Sync of the folder. */
  start: (deviceId: string) => Promise<WbxmlElement>;
  /** The device's current SyncKey for the folder. */
  key: (deviceId: string) => string | undefined;
}

export function folderPhones(app: { baseUrl: string }, user: () => { email: string; password: string }, folderId: () => string): FolderPhones {
  const keys: Record<string, string> = {};
  const sync = async (deviceId: string, commands: WbxmlElement[] = []): Promise<WbxmlElement> => {
    const { email, password } = user();
    const r = await easRequest(app, {
      cmd: 'Sync', user: email, password, deviceId, version: '16.1',
      body: as('Sync', as('Collections', as('Collection', as('SyncKey', keys[deviceId] ?? '0'), as('CollectionId', folderId()),
        keys[deviceId] && as('GetChanges'), as('Options', asb('BodyPreference', asb('Type', 1))), commands.length > 0 && as('Commands', commands)))),
    });
    assert.equal(r.status, 200);
    if (r.raw.length === 0) return as('Collection');
    const coll = child(child(r.root!, 'AirSync:Collections'), 'AirSync:Collection')!;
    keys[deviceId] = textOf(coll, 'AirSync:SyncKey')!;
    return coll;
  };
  const start = async (deviceId: string): Promise<WbxmlElement> => {
    const { email, password } = user();
    const fs = await easRequest(app, { cmd: 'FolderSync', user: email, password, deviceId, version: '16.1', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    await sync(deviceId);
    return fs.root!;
  };
  return { sync, start, key: (deviceId) => keys[deviceId] };
}
