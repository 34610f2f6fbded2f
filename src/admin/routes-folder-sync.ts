// Admin API: per-folder sync exclusion (issue 15, Carbonio's `carbonio mobile disableFolderSync`), for
// global and delegated admins (an account of their domains, manageableAccount):
//   GET /accounts/:email/folders                       the account's folders, ids and sync flag
//   PUT /accounts/:email/folders/:folderId/sync {enabled}  include (true) or exclude (false) a folder
// System folders refuse with 403 `forbidden` and a message saying so; the operation is
// src/devices/folder-sync.ts. Each change logs one line naming who made it.
import type { FastifyInstance } from 'fastify';
import { asFolderId } from '../core/ids.js';
import { foldersInTreeOrder, setFolderSync } from '../devices/folder-sync.js';
import type { Folder } from '../store/types.js';
import { asBody, optBool } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';

const folderView = (f: Folder, path: string) => ({
  id: String(f.id), name: f.name, path, kind: f.kind, role: f.role, system: f.role !== null, syncEnabled: !f.syncDisabled,
});

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
    const folders = foldersInTreeOrder(await store.mailbox.listFolders(a.id));
    return { account: a.email, folders: folders.map((x) => folderView(x.folder, x.path)) };
  });

  app.put<{ Params: { email: string; folderId: string } }>('/accounts/:email/folders/:folderId/sync', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const enabled = optBool(asBody(req.body), 'enabled');
    if (enabled === undefined) throw badRequest('"enabled" (true or false) is required');
    const id = folderIdParam(req.params.folderId);
    const f = await setFolderSync(store, a, id, !enabled);
    deps.log.info({ event: 'folder-sync-set', account: a.email, folderId: id, enabled, by: p.account.email }, enabled ? 'folder sync enabled' : 'folder sync disabled');
    const path = foldersInTreeOrder(await store.mailbox.listFolders(a.id)).find((x) => x.folder.id === id)?.path ?? `/${f.name}`;
    return { account: a.email, folder: folderView(f, path) };
  });
}
