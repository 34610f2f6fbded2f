// FolderCreate (MS-ASCMD 2.2.1.3): a user folder under the root ("0") or under another folder.
import { defineCommand, EasStatusError } from '../command.js';
import { folderIdOf, kindForType, serverIdOf } from '../sync/hierarchy.js';
import { editHierarchy, folderEditErrors, FolderEditStatus } from '../sync/hierarchy-edit.js';
import { intOf, ns, textOf } from '../wbxml/index.js';

const fh = ns('FolderHierarchy');

interface Input { key: string; parentId: string; name: string; type: number }

export const folderCreateCommand = defineCommand<Input, { key: string; serverId: string }>({
  name: 'FolderCreate',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'FolderHierarchy:FolderCreate' },
  invalidRequest: FolderEditStatus.malformed,
  // The parent vanished meanwhile: createFolder's not-found is about the parent.
  errors: { ...folderEditErrors, 'not-found': FolderEditStatus.parentNotFound },
  parse(root) {
    const key = textOf(root, 'FolderHierarchy:SyncKey');
    const parentId = textOf(root, 'FolderHierarchy:ParentId');
    const name = textOf(root, 'FolderHierarchy:DisplayName');
    const type = intOf(root, 'FolderHierarchy:Type');
    if (key === undefined || parentId === undefined || name === undefined || type === undefined) {
      throw new EasStatusError(FolderEditStatus.malformed, 'FolderCreate needs SyncKey, ParentId, DisplayName and Type');
    }
    return { key: key.trim(), parentId: parentId.trim(), name, type };
  },
  async execute(ctx, input) {
    const kind = kindForType(input.type);
    if (!kind) throw new EasStatusError(FolderEditStatus.malformed, `folder type ${input.type} cannot be created`);
    const parent = input.parentId === '0' ? null : folderIdOf(input.parentId);
    if (input.parentId !== '0' && parent === null) throw new EasStatusError(FolderEditStatus.parentNotFound, 'bad ParentId');
    const r = await editHierarchy(ctx, input.key, async (tx) => {
      const f = await tx.mailbox.createFolder(ctx.account.id, { parentId: parent, name: input.name, kind });
      return { value: serverIdOf(f.id), touched: [serverIdOf(f.id)] };
    });
    return { key: r.key, serverId: r.value };
  },
  render: (r) => ({ kind: 'wbxml', root: fh('FolderCreate', fh('Status', FolderEditStatus.ok), fh('SyncKey', r.key), fh('ServerId', r.serverId)) }),
});
