// FolderUpdate (MS-ASCMD 2.2.1.4): rename a user folder and/or move it under another parent.
import { defineCommand, EasStatusError } from '../command.js';
import { folderIdOf } from '../sync/hierarchy.js';
import { editHierarchy, folderEditErrors, FolderEditStatus } from '../sync/hierarchy-edit.js';
import { ns, textOf } from '../wbxml/index.js';

const fh = ns('FolderHierarchy');

interface Input { key: string; serverId: string; parentId: string; name: string }

export const folderUpdateCommand = defineCommand<Input, string>({
  name: 'FolderUpdate',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'FolderHierarchy:FolderUpdate' },
  invalidRequest: FolderEditStatus.malformed,
  // Moving a folder under itself is a bad parent (2.2.3.177.7 Status 5), not a malformed request.
  errors: { ...folderEditErrors, cycle: FolderEditStatus.parentNotFound },
  parse(root) {
    const key = textOf(root, 'FolderHierarchy:SyncKey');
    const serverId = textOf(root, 'FolderHierarchy:ServerId');
    const parentId = textOf(root, 'FolderHierarchy:ParentId');
    const name = textOf(root, 'FolderHierarchy:DisplayName');
    if (key === undefined || serverId === undefined || parentId === undefined || name === undefined) {
      throw new EasStatusError(FolderEditStatus.malformed, 'FolderUpdate needs SyncKey, ServerId, ParentId and DisplayName');
    }
    return { key: key.trim(), serverId: serverId.trim(), parentId: parentId.trim(), name };
  },
  async execute(ctx, input) {
    const id = folderIdOf(input.serverId);
    if (id === null) throw new EasStatusError(FolderEditStatus.notFound, 'unknown ServerId');
    const parent = input.parentId === '0' ? null : folderIdOf(input.parentId);
    if (input.parentId !== '0' && parent === null) throw new EasStatusError(FolderEditStatus.parentNotFound, 'bad ParentId');
    const r = await editHierarchy(ctx, input.key, async (tx) => {
      if (parent !== null && !(await tx.mailbox.getFolder(ctx.account.id, parent))) {
        throw new EasStatusError(FolderEditStatus.parentNotFound, 'parent folder not found');
      }
      await tx.mailbox.updateFolder(ctx.account.id, id, { parentId: parent, name: input.name });
      return { value: null, touched: [input.serverId] };
    });
    return r.key;
  },
  render: (key) => ({ kind: 'wbxml', root: fh('FolderUpdate', fh('Status', FolderEditStatus.ok), fh('SyncKey', key)) }),
});
