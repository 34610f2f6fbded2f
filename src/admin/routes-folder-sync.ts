// Admin API: per-folder sync exclusion (issue 15, Carbonio's `carbonio mobile disableFolderSync`), for
// global and delegated admins (an account of their domains, manageableAccount):
//   GET /accounts/:email/folders                       the account's folders, ids, own flag and whether phones see them
//   PUT /accounts/:email/folders/:folderId/sync {enabled}  include (true) or exclude (false) a folder
// System folders refuse with 403 `forbidden` and a message saying so; the operation is
// src/devices/folder-sync.ts. Each change logs one line naming who made it.
import type { FastifyInstance } from 'fastify';
import { asFolderId } from '../core/ids.js';
import { foldersInTreeOrder, setFolderSync, syncedFolders } from '../devices/folder-sync.js';
import type { Folder } from '../store/types.js';
import { asBody, optBool } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';

/** `syncEnabled` is the folder's own flag; `onPhones` false also when a parent folder is excluded. */
const folderView = (f: Folder, path: string, onPhones: boolean) => ({
  id: String(f.id), name: f.name, path, kind: f.kind, role: f.role, system: f.role !== null, syncEnabled: !f.syncDisabled, onPhones,
});

/** Every folder of the account with its path and whether phones see it. */
function views(folders: readonly Folder[]) {
  const visible = new Set(syncedFolders(folders).map((f) => f.id));
  return foldersInTreeOrder(folders).map((x) => ({ id: x.folder.id, view: folderView(x.folder, x.path, visible.has(x.folder.id)) }));
}

/** A folder id as typed in a URL: a positive whole number, else 404 (it names no folder). */
function folderIdParam(s: string) {
  if (!/^[1-9]\d{0,14}$/.test(s)) throw notFound(`folder ${s.slice(0, 32)}`);
  return asFolderId(Number(s));
}

export function registerFolderSyncRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.get<{ Params: { email: string } }>('/accounts/:email/folders', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, folders: views(await store.mailbox.listFolders(a.id)).map((x) => x.view) };
  });

  app.put<{ Params: { email: string; folderId: string } }>('/accounts/:email/folders/:folderId/sync', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const enabled = optBool(asBody(req.body), 'enabled');
    if (enabled === undefined) throw badRequest('"enabled" (true or false) is required');
    const id = folderIdParam(req.params.folderId);
    await setFolderSync(store, a, id, !enabled);
    deps.log.info({ event: 'folder-sync-set', account: a.email, folderId: id, enabled, by: p.account.email }, enabled ? 'folder sync enabled' : 'folder sync disabled');
    const folder = views(await store.mailbox.listFolders(a.id)).find((x) => x.id === id)?.view;
    return { account: a.email, folder };
  });
}
