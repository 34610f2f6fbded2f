// What the importer does differently for events (MS-ASCAL, 16.0 and later): a Change or Delete that names
// one occurrence by airsyncbase:InstanceId edits or removes that occurrence as an exception of the series
// (MS-ASCMD 2.2.3.24 / 2.2.3.42.2), and an Add whose ClientUid matches an event of the folder is the same
// event sent again (MS-ASCAL 2.2.2.11: the server uses ClientUid to recognise duplicates).
import type { AccountId, FolderId } from '../../core/ids.js';
import { findInFolder } from '../../store/pages.js';
import type { Item, Repos } from '../../store/types.js';
import { deleteInstance, parseInstanceChange } from '../classes/calendar.js';
import type { ClassContext, ParsedItem } from '../classes/registry.js';
import type { WbxmlElement } from '../wbxml/index.js';

const clientUidOf = (data: unknown): string | undefined => {
  const v = typeof data === 'object' && data !== null ? (data as { clientUid?: unknown }).clientUid : undefined;
  return typeof v === 'string' && v ? v : undefined;
};

/** The event of the folder a phone already created with this ClientUid, if any. */
export async function sameClientUid(tx: Repos, accountId: AccountId, folderId: FolderId, data: unknown): Promise<Item | null> {
  const uid = clientUidOf(data);
  if (!uid) return null;
  // Adds are rare and a calendar is thousands of events at most: a scan of the folder is fine here.
  return findInFolder(tx.mailbox, accountId, folderId, (i) => i.kind === 'event' && clientUidOf(i.data) === uid);
}

/** The series with one occurrence changed (Change) or removed (Delete), or the class's own parse. */
export function parseEventCommand(kind: 'change' | 'delete', item: Item, instanceId: string, data: WbxmlElement | null, ctx: ClassContext): ParsedItem {
  return kind === 'delete' || !data ? deleteInstance(item, instanceId, ctx) : parseInstanceChange(data, instanceId, ctx, item);
}
