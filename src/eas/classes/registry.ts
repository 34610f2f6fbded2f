// The item classes other than Email (MS-ASCNTC Contacts, MS-ASCAL Calendar, MS-ASTASK Tasks, MS-ASNOTE
// Notes): one entry per class says which folder kind and item kind it serves and how an item is turned
// into AirSync:ApplicationData and back. Sync (both directions) and ItemOperations Fetch find the
// class here, so adding a class is adding an entry, not a case in every command.
import type { FolderKind, Item, ItemKind } from '../../store/types.js';
import type { WbxmlElement } from '../wbxml/index.js';
import type { BodyPreference } from './email.js';

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

/** A client item the class cannot take: answered with Sync Status 6 (conversion error), nothing stored. */
export class ClassError extends Error {
  override readonly name = 'ClassError';
}

export interface ItemClass {
  className: 'Contacts' | 'Calendar' | 'Tasks' | 'Notes';
  itemKind: Exclude<ItemKind, 'message'>;
  folderKind: Exclude<FolderKind, 'mail'>;
  /** The first protocol version (x10) that syncs this class (Notes: 14.0). */
  minVersion: number;
  /** The whole item, as `AirSync:ApplicationData`. */
  render(item: Item, ctx: ClassContext): WbxmlElement;
  /**
   * A client's Add (no `current`) or Change (on top of `current`): on a Change an element the client left
   * out keeps its value, unless the class's spec says otherwise (a ghosted property list, MS-ASCMD 2.2.3.157).
   * Throws ClassError for an item that cannot be stored.
   */
  parse(appData: WbxmlElement, ctx: ClassContext, current?: Item): ParsedItem;
}
