// Which class syncs which folder kind and item kind (see registry.ts for what a class is).
import type { FolderKind, ItemKind } from '../../store/types.js';
import { calendarClass } from './calendar.js';
import { contactClass } from './contact.js';
import { noteClass } from './note.js';
import type { ItemClass } from './registry.js';
import { taskClass } from './task.js';

const classes: readonly ItemClass[] = [contactClass, calendarClass, taskClass, noteClass].filter((c): c is ItemClass => c !== null);

/** The class that syncs a folder of this kind at this version, or undefined (mail, or too old a version). */
export function classForFolder(kind: FolderKind, version: number): ItemClass | undefined {
  const c = classes.find((x) => x.folderKind === kind);
  return c && version >= c.minVersion ? c : undefined;
}

export function classForItem(kind: ItemKind): ItemClass | undefined {
  return classes.find((x) => x.itemKind === kind);
}
