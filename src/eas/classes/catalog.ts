// Which class syncs which folder kind and item kind (see registry.ts for what a class is).
import type { FolderKind, ItemKind } from '../../store/types.js';
import { calendarClass } from './calendar.js';
import { contactClass } from './contact.js';
import { emailClass } from './email-class.js';
import { noteClass } from './note.js';
import type { ItemClass } from './registry.js';
import { taskClass } from './task.js';

/** Every item kind has its class: a new kind without one does not compile. */
const byItemKind: Readonly<Record<ItemKind, ItemClass>> = {
  message: emailClass, contact: contactClass, event: calendarClass, task: taskClass, note: noteClass,
};
const classes: readonly ItemClass[] = Object.values(byItemKind);

/** The class that syncs a folder of this kind at this version, or undefined (too old a version, e.g. Notes before 14.0). */
export function classForFolder(kind: FolderKind, version: number): ItemClass | undefined {
  const c = classes.find((x) => x.folderKind === kind);
  return c && version >= c.minVersion ? c : undefined;
}

export function classForItem(kind: ItemKind): ItemClass {
  return byItemKind[kind];
}
