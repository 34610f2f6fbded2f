// The mutable state of an Email item, both ways: MS-ASEMAIL Read, 2.2.2.34 Flag (Status 0 cleared,
// 1 complete, 2 active; 2.2.2.35 FlagType), Categories/Category (14.0+) and email2 2.2.2.44
// LastVerbExecuted (14.0+: 1 reply to sender, 2 reply to all, 3 forward). A client Change carries these
// and nothing else the server takes: To, Subject, Body... of a received message are the server's.
import { child, children, el, elements, intOf, text, type WbxmlElement } from '../wbxml/index.js';
import type { Item, ItemFlags } from '../../store/types.js';

/** MS-ASEMAIL caps Categories at 300 Category elements. */
const MAX_CATEGORIES = 300;
const FLAG_TYPE = 'Flag for follow up';

/** email:Flag: empty when not flagged (which also clears a flag on the device), else an active flag. */
export function flagElement(flagged: boolean): WbxmlElement {
  // Only flagged true/false is stored, so a completed flag (Status 1) is never reported back.
  return flagged ? el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', FLAG_TYPE)) : el('Email:Flag');
}

export function categoriesElement(categories: readonly string[]): WbxmlElement {
  return el('Email:Categories', cleanCategories(categories).map((c) => el('Email:Category', c)));
}

function cleanCategories(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const c of list) {
    const name = c.replace(/[\r\n\t]+/g, ' ').trim();
    if (name) out.add(name);
    if (out.size >= MAX_CATEGORIES) break;
  }
  return [...out];
}

/**
 * LastVerbExecuted from the IMAP-style flags. Which came last is unknown (no time is stored), so a
 * reply wins over a forward; reply-to-all cannot be told from reply, so it is reported as reply.
 */
export function lastVerb(flags: ItemFlags): 0 | 1 | 3 {
  return flags.answered ? 1 : flags.forwarded ? 3 : 0;
}

/** ApplicationData of a flags-only Sync Change: Read, Flag (12.0+), Categories and LastVerbExecuted (14.0+). */
export function renderEmailChange(item: Item, version: number): WbxmlElement {
  return el('AirSync:ApplicationData',
    el('Email:Read', item.flags.seen ? 1 : 0),
    version >= 120 && flagElement(item.flags.flagged),
    // Sent even when empty: that is how a device learns the last category was removed.
    version >= 140 && categoriesElement(item.categories),
    // 0 (unknown) clears the icon on a device that had one.
    version >= 140 && el('Email2:LastVerbExecuted', lastVerb(item.flags)));
}

const bool = (e: WbxmlElement): boolean | undefined => {
  const v = text(e).trim().toLowerCase();
  return v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : undefined;
};

/** A client Change's ApplicationData to what the store keeps: read flag, follow-up flag, categories. */
export function parseEmailChange(appData: WbxmlElement): { flags?: Partial<ItemFlags>; categories?: string[] } {
  const flags: Partial<ItemFlags> = {};
  const read = child(appData, 'Email:Read');
  const seen = read ? bool(read) : undefined;
  if (seen !== undefined) flags.seen = seen;
  const flag = child(appData, 'Email:Flag');
  if (flag) {
    if (elements(flag).length === 0) {
      flags.flagged = false;
    } else {
      // Status 2 is an active flag; 1 (complete) and 0 (cleared) both mean "not flagged" here.
      // A Flag without Status is not understood and so changes nothing.
      const status = intOf(flag, 'Email:Status');
      if (status === 2) flags.flagged = true;
      else if (status === 0 || status === 1) flags.flagged = false;
    }
  }
  const out: { flags?: Partial<ItemFlags>; categories?: string[] } = {};
  if (Object.keys(flags).length > 0) out.flags = flags;
  const cats = child(appData, 'Email:Categories');
  if (cats) out.categories = cleanCategories(children(cats, 'Email:Category').map(text));
  return out;
}
