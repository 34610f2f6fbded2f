// The item classes (MS-ASEMAIL Email, MS-ASCNTC Contacts, MS-ASCAL Calendar, MS-ASTASK Tasks, MS-ASNOTE
// Notes): one entry per class says which folder kind and item kind it serves and how an item is turned
// into AirSync:ApplicationData and back. Sync (both directions), ItemOperations Fetch and Search find the
// class here, so adding a class is adding an entry, not a case in every command. What only some classes
// do is an optional hook of the entry (a calendar occurrence, a 16.0 draft), never a test of the kind
// in a command.
import type { BlobId } from '../../core/ids.js';
import type { Folder, FolderKind, FolderRole, Item, ItemKind, ItemPatch, MessageContent } from '../../store/types.js';
import type { ImportInput, ImportResponse } from '../sync/importer.js';
import type { WbxmlElement } from '../wbxml/index.js';
import type { BodyPreference } from './email-body.js';

export interface ClassContext {
  /** Protocol version x10 (121, 140, 141, 160, 161). */
  version: number;
  bodyPreferences: readonly BodyPreference[];
  /** Epoch ms of this request: the LastModifiedDate of what a client sends. */
  now: number;
  /** 2.5 Truncation of a class body, in bytes (MS-ASCMD 2.2.3.189); absent: none. */
  truncation?: number | undefined;
  /** The collection's Supported list (qualified names), or null when the device sent none: nothing is ghosted. */
  supported?: ReadonlySet<string> | null | undefined;
  /** The user: the organizer of a meeting a 16.x phone creates (it must not send one, MS-ASCAL 2.2.2.37). */
  user?: { email: string; name: string } | undefined;
}

/** What a client's ApplicationData becomes in the store. */
export interface ParsedItem {
  data: unknown;
  categories: string[];
  /**
   * The date FilterType windows compare (`Item.receivedAt`): for an event the end of its last occurrence
   * (far in the future for an endless series), so a series is in the window when any occurrence is.
   * Omitted: the time of the Add, unchanged on a Change.
   */
  windowDate?: number;
}

/** What a client's Change of a message becomes: its state (Read, Flag, Categories), never its content. */
export interface ParsedState {
  state: ItemPatch;
}

/** What rendering an item needs beyond ClassContext: classes do no I/O, the command lends them its blobs. */
export interface RenderContext extends ClassContext {
  /** The item's ServerId (or LongId) as the device knows it, `<folder>:<item>`: FileReferences are built on it. */
  serverId: string;
  /** A blob of the store (a message's MIME); null when it is gone. */
  loadBlob(id: BlobId): Promise<Uint8Array | null>;
  /**
   * The MessageContent kept with message blobs (Email): rendering reads it instead of parsing the MIME,
   * and keeps the parse of a blob that has none yet. Absent: every message is parsed.
   */
  contents?: ContentSource | undefined;
  /** MIMESupport (Email): 0 never, 1 S/MIME messages only, 2 always. Absent: 0. */
  mimeSupport?: 0 | 1 | 2 | undefined;
  /** MIMETruncation (Email) as a byte limit; absent: none. */
  mimeTruncation?: number | undefined;
  /** Whose mailbox and which folder role (Email: ReceivedAsBcc, the Bcc of the user's own copies). */
  mailbox?: { address: string; folderRole: FolderRole | null } | undefined;
}

/** Stored MessageContent by blob (src/eas/sync/message-contents.ts batches the reads of a window). */
export interface ContentSource {
  get(id: BlobId): Promise<MessageContent | null>;
  /** Keeps the parse of a blob rendered without one, at the next flush(). */
  save(id: BlobId, content: MessageContent): void;
  /** Writes what save() kept, in one transaction; a failure only means parsing again next time. Never rejects. */
  flush(): Promise<void>;
}

/** A client item the class cannot take: answered with Sync Status 6 (conversion error), nothing stored. */
export class ClassError extends Error {
  override readonly name = 'ClassError';
}

/**
 * Drafts a 16.0 device writes (MS-ASCMD 2.2.3.7.2 Add / 2.2.3.24 Change in the Drafts folder): stored as
 * MIME built from the ApplicationData, inside the Sync's transaction, and maybe sent after it commits.
 */
export interface DraftImport {
  /** Whether an Add into this folder is a draft. */
  takesAdd(folder: Folder, version: number): boolean;
  /** Whether this Change edits (or sends) the draft itself, rather than only its state. */
  takesChange(folder: Folder, version: number, item: Item, data: WbxmlElement, send: boolean): boolean;
  add(input: ImportInput, clientId: string, data: WbxmlElement, send: boolean): Promise<ImportResponse>;
  /** The edited draft, or null when it cannot be stored (the Change gets Status 6, nothing changes). */
  change(input: ImportInput, item: Item, serverId: string, data: WbxmlElement): Promise<Item | null>;
}

export interface ItemClass {
  className: 'Email' | 'Contacts' | 'Calendar' | 'Tasks' | 'Notes';
  itemKind: ItemKind;
  folderKind: FolderKind;
  /** The first protocol version (x10) that syncs this class (Notes: 14.0). */
  minVersion: number;
  /** The whole item, as `AirSync:ApplicationData` (Sync Add and Fetch, ItemOperations Fetch, Search). */
  render(item: Item, ctx: RenderContext): Promise<WbxmlElement>;
  /** The ApplicationData of a server Change; absent: the whole item, as render gives it. */
  renderChange?(item: Item, ctx: RenderContext): Promise<WbxmlElement>;
  /**
   * A client's Add (no `current`) or Change (on top of `current`): on a Change an element the client left
   * out keeps its value, unless the class's spec says otherwise (a ghosted property list, MS-ASCMD 2.2.3.157).
   * A class whose items are MIME messages takes no Add here and answers a Change with a ParsedState.
   * Throws ClassError for an item that cannot be stored.
   */
  parse(appData: WbxmlElement, ctx: ClassContext, current?: Item): ParsedItem | ParsedState;
  /** A Change of one occurrence named by airsyncbase:InstanceId (16.0+); absent: InstanceId is ignored. */
  parseInstance?(appData: WbxmlElement, instanceId: string, ctx: ClassContext, current: Item): ParsedItem;
  /** A Delete of one occurrence named by airsyncbase:InstanceId: the item stays, without it. */
  deleteInstance?(current: Item, instanceId: string, ctx: ClassContext): ParsedItem;
  /**
   * The test that finds the folder's item a client's Add duplicates (MS-ASCAL 2.2.2.11 ClientUid), or null
   * when the Add names nothing to recognise it by. Absent: every Add is a new item.
   */
  sameItem?(data: unknown): ((item: Item) => boolean) | null;
  /** 16.0 drafts; absent: the class has none. */
  importDraft?: DraftImport;
}
