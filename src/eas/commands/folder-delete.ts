// FolderDelete (MS-ASCMD 2.2.1.2): delete a user folder with its sub-folders and items.
import { defineCommand, EasStatusError } from '../command.js';
import { folderIdOf } from '../sync/hierarchy.js';
import { editHierarchy, folderEditErrors, FolderEditStatus } from '../sync/hierarchy-edit.js';
import { ns, textOf } from '../wbxml/index.js';

const fh = ns('FolderHierarchy');

interface Input { key: string; serverId: string }

export const folderDeleteCommand = defineCommand<Input, string>({
  name: 'FolderDelete',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'FolderHierarchy:FolderDelete' },
  invalidRequest: FolderEditStatus.malformed,
  errors: folderEditErrors,
  parse(root) {
    const key = textOf(root, 'FolderHierarchy:SyncKey');
    const serverId = textOf(root, 'FolderHierarchy:ServerId');
    if (key === undefined || serverId === undefined) throw new EasStatusError(FolderEditStatus.malformed, 'FolderDelete needs SyncKey and ServerId');
    return { key: key.trim(), serverId: serverId.trim() };
  },
  async execute(ctx, input) {
    const id = folderIdOf(input.serverId);
    if (id === null) throw new EasStatusError(FolderEditStatus.notFound, 'unknown ServerId');
    const r = await editHierarchy(ctx, input.key, async (tx) => {
      await tx.mailbox.deleteFolder(ctx.account.id, id);
      // Its collection state goes with it.
      await tx.deviceState.reset(ctx.account.id, ctx.device.deviceId, input.serverId);
      return { value: null, touched: [input.serverId] };
    });
    return r.key;
  },
  render: (key) => ({ kind: 'wbxml', root: fh('FolderDelete', fh('Status', FolderEditStatus.ok), fh('SyncKey', key)) }),
});
